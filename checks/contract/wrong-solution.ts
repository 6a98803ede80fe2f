// A known-wrong solution: the reference solution with one mistake put back in. The contract test
// proves that the lesson's checks catch it, and that they catch it for the right reason.
export interface WrongSolution {
  /** Short kebab-case name, e.g. `answers-only-the-first-message`. */
  name: string;
  /** The mistake in one sentence, as the lesson's explainer describes it. */
  mistake: string;
  /** Applied to the solution's files in order; each `find` must occur in its file exactly once. */
  edits: { file: string; find: string; replace: string }[];
  /** Names, or parts of names, of checks that must fail because of this mistake. */
  mustFail: string[];
}
