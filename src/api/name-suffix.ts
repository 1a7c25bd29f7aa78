// The random suffix kube appends to generated names (generateName, kube-api-access-xxxxx volumes):
// five characters from an alphabet without vowels (no accidental words) and without 0/1/3.
import { randomBytes } from 'node:crypto';

const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function randomNameSuffix(length = 5): string {
  // One call for all characters: a name, not a secret, so the slight modulo bias does not matter.
  let s = '';
  for (const b of randomBytes(length)) s += ALPHABET[b % ALPHABET.length];
  return s;
}
