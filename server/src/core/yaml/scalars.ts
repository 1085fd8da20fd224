import { boolCoreTag, floatCoreTag, intCoreTag, nullCoreTag, NOT_RESOLVED, type ScalarTagDefinition } from 'js-yaml';

/** How both YAML paths (js-yaml's events and the block fast path) turn scalars and keys into values. */

/** YAML 1.2 core schema resolution of plain scalars, in js-yaml's own order. */
const IMPLICIT_TAGS: readonly ScalarTagDefinition[] = [nullCoreTag, boolCoreTag, intCoreTag, floatCoreTag];

export function resolvePlain(text: string): unknown {
  // Most plain scalars are names and paths: a letter other than the first letter of null, true or
  // false cannot start anything but a string.
  const c = text.charCodeAt(0) | 32;
  if (c >= 97 && c <= 122 && c !== 110 /* n */ && c !== 116 /* t */ && c !== 102 /* f */) return text;
  const first = text.charAt(0);
  for (const tag of IMPLICIT_TAGS) {
    if (tag.implicitFirstChars && !tag.implicitFirstChars.includes(first)) continue;
    const value = tag.resolve(text, false, tag.tagName);
    if (value !== NOT_RESOLVED) return value;
  }
  return text;
}

/** Sets a mapping's key on its value; `__proto__` becomes an own key, as in JSON, not the prototype. */
export function setKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}
