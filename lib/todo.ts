// Starter files mark unfinished work with todo(...): it throws an error that names the step, so
// both `npm run check` and running the file by hand say exactly what to do next.
export class TodoError extends Error {
  override name = 'TodoError';
}

export function todo(step: string): never {
  throw new TodoError(step);
}
