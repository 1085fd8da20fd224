import { distance } from 'fastest-levenshtein';

/** Folds case and the separators people mix up (`dependsOn`, `depends_on`, `depends-on`). */
function fold(s: string): string {
  return s.toLowerCase().replace(/[-_\s]/g, '');
}

/** The candidate a typo most likely meant, if any is close enough to suggest. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const folded = fold(word);
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const score = fold(c) === folded ? 0 : distance(folded, fold(c));
    if (score < bestScore) {
      best = c;
      bestScore = score;
    }
  }
  const allowed = Math.max(1, Math.round(word.length / 3));
  return bestScore <= allowed ? best : undefined;
}
