/**
 * Deterministic word-hash tokenisation for the built-in random-weight encoders: CLIP-style begin and end tokens,
 * one id per lower-cased word, padded with the end token to the context length. Same prompt, same ids, always.
 */
export function tokenize(prompt: string, vocabSize: number, contextLength: number): number[] {
  const begin = vocabSize - 2;
  const end = vocabSize - 1;
  const words = prompt.toLowerCase().match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu) ?? [];
  const ids = [begin];
  for (const word of words) {
    if (ids.length >= contextLength - 1) break;
    let hash = 0x811c9dc5;
    for (const ch of word) {
      hash ^= ch.codePointAt(0)!;
      hash = Math.imul(hash, 0x01000193);
    }
    ids.push((hash >>> 0) % (vocabSize - 2));
  }
  while (ids.length < contextLength) ids.push(end);
  return ids;
}
