// The demo socket's protocol: what a lesson page (assets/demo.js) and the book server say to each
// other over the WebSocket at /__book/demo. JSON objects in text frames, both ways, in the style
// lesson 06 teaches: everything that arrives is parsed at the boundary by one function that never
// throws, and every bad message gets a documented error reply while the connection carries on.
//
// Page → server (at most 4,096 bytes; ws closes a bigger message with 1009):
//   { "type": "run", "lesson": "lesson-03", "variant": "learner" | "solution" }   run a lesson's play
//   { "type": "stop" }                                                             stop this page's run
//   { "type": "echo-start", "variant": "learner" | "solution" }                    lesson 01's echo server
//   { "type": "echo-stop" }                                                        stop it
// Unknown extra fields are ignored.
//
// Server → page:
//   { "type": "started", "lesson", "variant" }   { "type": "event", "side", "text", "at" }
//   { "type": "end", "ok", "message" }            the run is over (whatever ended it)
//   { "type": "echo-ready", "url" }  { "type": "echo-log", "text" }  { "type": "echo-ended", "message" }
//   { "type": "error", "code", "request", "message" }
//     `request` is the type of the request the error answers ("run", "echo-start" …) when it had a
//     valid one, else null; `code` is one of DEMO_ERROR_CODES.
//
// Close codes: 1009 for a message over the limit (ws), 1007 for text that is not UTF-8 (ws),
// 1001 when the server shuts down. A page that stops answering pings is dropped, and with it
// whatever it started.

export type Variant = 'learner' | 'solution';

export type DemoRequest =
  | { type: 'run'; lesson: string; variant: Variant }
  | { type: 'stop' }
  | { type: 'echo-start'; variant: Variant }
  | { type: 'echo-stop' };

export type RequestType = DemoRequest['type'];

/** Every error code the server sends, and when. Part of the protocol: demo.js relies on them. */
export const DEMO_ERROR_CODES = {
  bad_json: 'the text is not JSON',
  bad_request: 'JSON, but not an object, or a field missing or of the wrong type',
  binary_not_supported: 'a binary frame: requests are JSON in text frames',
  unknown_type: 'type is not run, stop, echo-start or echo-stop',
  unknown_lesson: 'lesson is not the id of a lesson in the list',
  busy: 'this page already runs a demo (or an echo server)',
  too_many_demos: 'the book already runs its limit of demo processes, across all pages',
} as const;

export type DemoErrorCode = keyof typeof DEMO_ERROR_CODES;

export interface DemoError {
  type: 'error';
  code: DemoErrorCode;
  request: RequestType | null;
  message: string;
}

/** The largest request the server reads (ws's maxPayload on the demo socket). */
export const MAX_REQUEST_BYTES = 4096;

// A fixed list, looked up with Set.has: never `type in handlers` (`constructor`, `__proto__` …).
const TYPES: ReadonlySet<string> = new Set<RequestType>(['run', 'stop', 'echo-start', 'echo-stop']);

export function demoError(code: DemoErrorCode, request: RequestType | null, message: string): DemoError {
  return { type: 'error', code, request, message };
}

/** A client's text, cut short and made printable, for quoting in an error message. */
function quote(value: string): string {
  const cut = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  return JSON.stringify(cut);
}

const isVariant = (value: unknown): value is Variant => value === 'learner' || value === 'solution';

/**
 * Turns what arrived on the demo socket into a request, or into the error reply to send. Never
 * throws, whatever arrives: any JSON value, any text, binary frames.
 */
export function parseDemoRequest(
  data: Buffer | ArrayBuffer | Buffer[] | string,
  isBinary: boolean,
  lessonIds: readonly string[],
): { ok: true; request: DemoRequest } | { ok: false; error: DemoError } {
  const fail = (code: DemoErrorCode, request: RequestType | null, message: string): { ok: false; error: DemoError } =>
    ({ ok: false, error: demoError(code, request, message) });
  if (isBinary) return fail('binary_not_supported', null, 'Requests are JSON in text frames, not binary.');
  let text: string;
  if (typeof data === 'string') text = data;
  else if (Array.isArray(data)) text = Buffer.concat(data).toString('utf8');
  else text = Buffer.from(data as ArrayBuffer).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fail('bad_json', null, 'The request is not JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('bad_request', null, 'A request is a JSON object with a "type".');
  }
  const message = value as Record<string, unknown>;
  const type = message.type;
  if (typeof type !== 'string') return fail('bad_request', null, '"type" must be a string.');
  if (!TYPES.has(type)) return fail('unknown_type', null, `Unknown request type ${quote(type)}.`);
  switch (type as RequestType) {
    case 'stop':
      return { ok: true, request: { type: 'stop' } };
    case 'echo-stop':
      return { ok: true, request: { type: 'echo-stop' } };
    case 'echo-start':
      if (!isVariant(message.variant)) return fail('bad_request', 'echo-start', '"variant" must be "learner" or "solution".');
      return { ok: true, request: { type: 'echo-start', variant: message.variant } };
    case 'run': {
      const lesson = message.lesson;
      if (typeof lesson !== 'string') return fail('bad_request', 'run', '"lesson" must be a lesson id.');
      if (!isVariant(message.variant)) return fail('bad_request', 'run', '"variant" must be "learner" or "solution".');
      // Only the lessons in the list, by id: the page cannot name a path.
      if (!lessonIds.includes(lesson)) return fail('unknown_lesson', 'run', `Unknown lesson ${quote(lesson)}.`);
      return { ok: true, request: { type: 'run', lesson, variant: message.variant } };
    }
  }
}
