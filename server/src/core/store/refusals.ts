/**
 * The wording of what the store's writers refuse, word for word the same from Node (InvalidInput) and
 * the Python client (CellflowError): the build generates the Python copy of these templates. Each
 * language checks its own types before writing; a template's {placeholders} take values as `describe`
 * writes them, which the Python client mirrors. A trigger's refusal (rules.ts) becomes its message
 * followed by the value it was about.
 */
import { KEY_MAX, METRIC_KEY_MESSAGE, RULE_SUBJECTS } from './rules';

/** A metric step is a signed integer of this many bits (SQLite's INTEGER). */
export const STEP_BITS = 64;
/** Characters of a value quoted in a message; the rest becomes "…". */
export const QUOTED_MAX = 60;

export const METRIC_KEY_REFUSAL = `${METRIC_KEY_MESSAGE}: {key}`;
export const METRIC_VALUE_REFUSAL = 'metric {key}: value must be a number, not {value}';
export const METRIC_STEP_REFUSAL = `metric {key}: step must be a whole number from -2^${STEP_BITS - 1} to 2^${STEP_BITS - 1} - 1, not {step}`;
/** A value no 64-bit float holds: only the Python client meets one (its integers have no limit). */
export const METRIC_VALUE_RANGE_REFUSAL = 'metric {key}: value must fit a 64-bit float, not an integer of {digits} digits';
/** Text with a lone surrogate: it has no UTF-8 form, so SQLite cannot store it as it is. */
export const TEXT_REFUSAL = '{what} must be valid Unicode text (no lone surrogates), not {value}';
/** A run that ended with metrics its writer could not write is FAILED and says how many in this tag. */
export const UNWRITTEN_METRICS_TAG = 'cellflow.unwritten_metrics';

/** Details of a file the writers will not record, after the path as given and a colon (FileProblem's form). */
export const NO_SUCH_FILE = 'does not exist';
/** {kind}: a folder, a FIFO, a device, a socket. */
export const NOT_A_REGULAR_FILE = 'is {kind}, not a regular file';
export const OUTSIDE_WORKSPACE = 'is outside the workspace ({root}); Cellflow records artifacts inside it only';

/**
 * What either writer says of a store file it cannot use, after the file's path and a colon. {error} is
 * SQLite's own message; the rest says what it means and what to do.
 */
export const STORE_DAMAGED = 'is damaged ({error}); Cellflow will not write to it. Restore it from a backup or move it away';
export const STORE_DISK_FULL = 'cannot be written: the disk is full ({error}). Free some space';
export const STORE_WRITE_FAILED = 'cannot be written: {error} (the disk may be full, or the file over a size limit)';
export const STORE_READ_ONLY = 'is read-only to this process ({error}); Cellflow cannot write runs to it';
export const STORE_LOCKED = 'stayed locked by another writer for {seconds} s';
export const STORE_NOT_A_FILE = 'is {kind}, not a store file; point CELLFLOW_STORE at a file';
export const STORE_LINKED_OUT = 'is a symbolic link out of the workspace ({root}) to {target}; Cellflow keeps its store inside the workspace. Set CELLFLOW_STORE to that file to use it on purpose';

const STEP_END = 2 ** (STEP_BITS - 1);

/** A template with its {placeholders} replaced. */
export function fill(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (Object.hasOwn(values, name) ? values[name] : whole));
}

/**
 * A value as a message shows it: text quoted as JSON, numbers as JavaScript writes them (whole ones
 * exactly, as Python does), anything else as JSON where it has one.
 */
export function describe(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(clip(value));
    case 'number':
      return Number.isInteger(value) ? BigInt(value).toString() : String(value);
    case 'bigint':
      return value.toString();
    case 'undefined':
      return 'undefined';
    case 'function':
    case 'symbol':
      return `a ${typeof value}`;
  }
  try {
    return clip(JSON.stringify(value));
  } catch {
    return `a ${(value as object).constructor?.name ?? 'object'}`;
  }
}

function clip(text: string): string {
  if (text.length <= QUOTED_MAX) return text;
  const chars = Array.from(text);
  return chars.length <= QUOTED_MAX ? text : `${chars.slice(0, QUOTED_MAX).join('')}…`;
}

/** Whether text has more than `max` characters, counted as SQLite and Python count them (code points). */
export function longerThan(text: string, max: number): boolean {
  if (text.length <= max) return false;
  let n = 0;
  for (const _ of text) if (++n > max) return true;
  return false;
}

/** Lone surrogates (a surrogate code unit that is not half of a pair); paired ones are one code point under `u`. */
const LONE_SURROGATE = /\p{Cs}/u;

/** Why text cannot be stored as it is (`what` says which text), or undefined. */
export function textRefusal(what: string, text: string): string | undefined {
  return LONE_SURROGATE.test(text) ? fill(TEXT_REFUSAL, { what, value: describe(text) }) : undefined;
}

/** Why a metric cannot be logged (its key, then its value, then its step), or undefined. */
export function metricRefusal(key: unknown, value: unknown, step: unknown): string | undefined {
  if (typeof key !== 'string' || key === '' || longerThan(key, KEY_MAX)) return fill(METRIC_KEY_REFUSAL, { key: describe(key) });
  if (typeof value !== 'number' || Number.isNaN(value)) return fill(METRIC_VALUE_REFUSAL, { key: describe(key), value: describe(value) });
  if (step !== undefined && step !== null && (typeof step !== 'number' || !Number.isInteger(step) || step < -STEP_END || step >= STEP_END)) {
    return fill(METRIC_STEP_REFUSAL, { key: describe(key), step: describe(step) });
  }
  return undefined;
}

/**
 * What a writer says when a trigger refused its row: the trigger's message, then the value it was
 * about, from `fields` (the row's values by column). Undefined for a message that is not a rule's.
 */
export function ruleRefusal(message: string, fields: Readonly<Record<string, unknown>>): string | undefined {
  if (!Object.hasOwn(RULE_SUBJECTS, message)) return undefined;
  const [column, label] = RULE_SUBJECTS[message];
  return Object.hasOwn(fields, column) ? `${message}: ${label ? `${label} ` : ''}${describe(fields[column])}` : message;
}
