// Heading anchors the way GitHub makes them, so `#the-idea` works on GitHub and in the book alike:
// lower case, punctuation dropped (letters of every script kept), spaces become hyphens,
// and a repeated heading gets -1, -2, … in order.

export function githubSlug(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Hands out unique slugs for one page (the same algorithm as github-slugger). */
export class Slugger {
  private readonly occurrences = new Map<string, number>();

  slug(text: string): string {
    const original = githubSlug(text) || 'section';
    let result = original;
    while (this.occurrences.has(result)) {
      const count = (this.occurrences.get(original) ?? 0) + 1;
      this.occurrences.set(original, count);
      result = `${original}-${count}`;
    }
    this.occurrences.set(result, 0);
    return result;
  }
}
