import type { z } from 'zod';

/**
 * A yes-only check compiled from a zod schema: true means zod would accept the value, false means "ask
 * zod". zod builds a copy of every value it parses and its issue lists, which for the thousand steps of
 * a large pipeline is megabytes of garbage per lint; nearly every step is valid, so this answers those
 * without allocating and zod explains the rest. It reads the schema's own definition, so zod stays the
 * one definition of the format: a kind of schema or check this does not know compiles to "ask zod".
 */
export type Predicate = (value: unknown) => boolean;

const NEVER: Predicate = () => false;

interface Def {
  type: string;
  checks?: Array<{ _zod: { def: CheckDef } }>;
  format?: string;
  check?: string;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  element?: z.ZodType;
  innerType?: z.ZodType;
  options?: z.ZodType[];
  values?: unknown[];
  inclusive?: boolean;
  keyType?: z.ZodType;
  valueType?: z.ZodType;
}

interface CheckDef {
  check: string;
  format?: string;
  pattern?: RegExp;
  minimum?: number;
  maximum?: number;
  value?: number;
  inclusive?: boolean;
}

export function compilePredicate(schema: z.ZodType): Predicate {
  const def = (schema as unknown as { _zod: { def: Def } })._zod.def;
  switch (def.type) {
    case 'string':
      // A format schema (z.email(), z.uuid()…) is itself a check: zod's.
      if (def.format !== undefined || def.check !== undefined) return NEVER;
      return withChecks((v) => typeof v === 'string', def);
    case 'number':
      // z.number() takes finite numbers only; z.int() is a number with the `safeint` format.
      if (def.format !== undefined && def.format !== 'safeint') return NEVER;
      return withChecks(def.format === 'safeint' ? (v) => Number.isSafeInteger(v) : (v) => typeof v === 'number' && Number.isFinite(v), def);
    case 'boolean':
      return withChecks((v) => typeof v === 'boolean', def);
    case 'null':
      return (v) => v === null;
    case 'literal': {
      const values = def.values ?? [];
      return (v) => values.includes(v);
    }
    case 'optional': {
      // An explicit undefined is zod's to judge (exactOptional() refuses it); YAML never gives one.
      // An absent key is the object's concern.
      const inner = compilePredicate(def.innerType!);
      return (v) => v !== undefined && inner(v);
    }
    case 'union': {
      // z.xor() is a union that refuses a value more than one option takes.
      if (def.inclusive === false) return NEVER;
      const options = (def.options ?? []).map(compilePredicate);
      return (v) => options.some((o) => o(v));
    }
    case 'array': {
      const element = compilePredicate(def.element!);
      return withChecks((v) => {
        if (!Array.isArray(v)) return false;
        // An index loop: every() would skip the holes of a sparse array, which zod checks as undefined.
        for (let i = 0; i < v.length; i++) if (!element(v[i])) return false;
        return true;
      }, def);
    }
    case 'object':
      return objectPredicate(def);
    case 'record': {
      if ((def.keyType as unknown as { _zod: { def: Def } })._zod.def.type !== 'string') return NEVER;
      const key = compilePredicate(def.keyType!);
      const value = compilePredicate(def.valueType!);
      return (v) => {
        if (!isPlainObject(v)) return false;
        for (const k in v) if (!Object.prototype.hasOwnProperty.call(v, k) || !key(k) || !value(v[k])) return false;
        return true;
      };
    }
    default:
      // Transforms, pipes, defaults, refinements and the rest: zod decides.
      return NEVER;
  }
}

function objectPredicate(def: Def): Predicate {
  const catchall = def.catchall && (def.catchall as unknown as { _zod: { def: Def } })._zod.def.type;
  // A strict object (catchall never) refuses unknown keys; a plain one strips them; others are zod's.
  if (catchall !== undefined && catchall !== 'never') return NEVER;
  if (def.checks?.length) return NEVER;
  const entries = Object.entries(def.shape ?? {}).map(([key, s]) => ({ key, check: compilePredicate(s), optional: (s as unknown as { _zod: { def: Def } })._zod.def.type === 'optional' }));
  const byKey = new Map(entries.map((e) => [e.key, e]));
  const required = entries.filter((e) => !e.optional).length;
  // Optional keys named like Object.prototype members: when absent, zod reads the inherited member.
  const inherited = entries.filter((e) => e.optional && e.key in Object.prototype).map((e) => e.key);
  const strict = catchall === 'never';
  // One pass over the value's own keys (a step has a handful), not one lookup per key of the shape.
  return (v) => {
    if (!isPlainObject(v)) return false;
    let seen = 0;
    for (const k in v) {
      const e = byKey.get(k);
      if (e === undefined) {
        if (strict) return false;
        continue;
      }
      if (!e.check(v[k])) return false;
      if (!e.optional) seen++;
    }
    if (seen !== required) return false;
    for (const k of inherited) if (!Object.prototype.hasOwnProperty.call(v, k) && k in v) return false;
    return true;
  };
}

/** The type test followed by the schema's checks; a check this does not know makes it "ask zod". */
function withChecks(type: Predicate, def: Def): Predicate {
  const tests: Predicate[] = [];
  for (const c of def.checks ?? []) {
    const d = c._zod.def;
    switch (d.check) {
      case 'min_length':
        tests.push((v) => (v as { length: number }).length >= d.minimum!);
        break;
      case 'max_length':
        tests.push((v) => (v as { length: number }).length <= d.maximum!);
        break;
      case 'greater_than':
        tests.push((v) => (d.inclusive ? (v as number) >= d.value! : (v as number) > d.value!));
        break;
      case 'less_than':
        tests.push((v) => (d.inclusive ? (v as number) <= d.value! : (v as number) < d.value!));
        break;
      case 'number_format':
        // z.int()'s own format (also in its type test) or .int() on a z.number(); other formats are zod's.
        if (d.format !== 'safeint') return NEVER;
        tests.push((v) => Number.isSafeInteger(v));
        break;
      case 'string_format':
        if (d.format !== 'regex' || !d.pattern) return NEVER;
        tests.push((v) => {
          d.pattern!.lastIndex = 0;
          return d.pattern!.test(v as string);
        });
        break;
      default:
        return NEVER;
    }
  }
  return (v) => {
    if (!type(v)) return false;
    for (const t of tests) if (!t(v)) return false;
    return true;
  };
}

/** An object literal's kind of object (or a null-prototype one), as YAML gives; not a Date or a typed array. */
function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}
