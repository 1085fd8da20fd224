/**
 * Rules the store itself enforces, as BEFORE INSERT/UPDATE triggers (migration 3), so that no writer
 * (Node, the Python client, or a third one with plain SQLite) can break them. SQLite has no REGEXP:
 * the checks use GLOB, length and typeof. RAISE takes a literal message only, so a trigger cannot name
 * the value it refused; the writers add it (see refusals.ts) before throwing their user error.
 *
 * The limits are part of migration 3's SQL: changing one means a new migration that recreates the
 * triggers, never an edit here.
 */

/** Param, tag and metric keys (MLflow's limit). */
export const KEY_MAX = 250;
export const PARAM_VALUE_MAX = 6000;
export const TAG_VALUE_MAX = 8000;
/** Run and experiment names. */
export const NAME_MAX = 500;
export const MODEL_NAME_MAX = 250;
export const ALIAS_MAX = 250;
/** Hex digits of a commit id: SHA-1 and SHA-256 repositories. */
export const COMMIT_SHA_LENGTHS = [40, 64];

export interface StoreRule {
  table: string;
  /** The column checked; an UPDATE of it re-runs the check. */
  column: string;
  /** SQL over NEW, true of a row the rule refuses. */
  refuses: string;
  /** What the trigger raises, and the start of what a writer says. */
  message: string;
  /** The column whose value a writer names after the message (default: `column`), with a label before it. */
  names?: string;
  label?: string;
}

const tooLong = (column: string, max: number) => `length(NEW.${column}) > ${max}`;
/** Empty, absolute (POSIX or a drive letter), or with a `..` component: not a path inside the workspace. */
const notInside = (column: string) =>
  ['= \'\'', '= \'.\'', 'GLOB \'/*\'', 'GLOB \'[A-Za-z]:*\'', '= \'..\'', 'GLOB \'../*\'', 'GLOB \'*/../*\'', 'GLOB \'*/..\''].map((t) => `NEW.${column} ${t}`).join(' OR ');
/** NULL, not text, or outside 1..max characters. */
const notText = (column: string, max: number) => `NEW.${column} IS NULL OR typeof(NEW.${column}) <> 'text' OR NEW.${column} = '' OR ${tooLong(column, max)}`;
const notModelName = (column: string) => `${notText(column, MODEL_NAME_MAX)} OR NEW.${column} GLOB '*[^A-Za-z0-9_.-]*'`;
const ARTIFACT_PATH_MESSAGE = 'is a path relative to the workspace that stays inside it (no leading /, no ..)';

const MODEL_NAME_RULE = `uses letters, digits, _, . and - only, 1 to ${MODEL_NAME_MAX} of them`;
export const METRIC_KEY_MESSAGE = `a metric key is a string of 1 to ${KEY_MAX} characters`;

/** In the order they are checked: a row that breaks two rules is refused by the first. */
export const STORE_RULES: readonly StoreRule[] = [
  { table: 'experiments', column: 'name', refuses: tooLong('name', NAME_MAX), message: `an experiment name is at most ${NAME_MAX} characters` },
  { table: 'runs', column: 'name', refuses: tooLong('name', NAME_MAX), message: `a run name is at most ${NAME_MAX} characters` },
  {
    table: 'runs',
    column: 'git_commit',
    refuses: `NEW.git_commit IS NOT NULL AND NOT (typeof(NEW.git_commit) = 'text' AND length(NEW.git_commit) IN (${COMMIT_SHA_LENGTHS.join(', ')}) AND NEW.git_commit NOT GLOB '*[^0-9a-f]*')`,
    message: `a run's git commit is a commit sha (${COMMIT_SHA_LENGTHS.join(' or ')} lowercase hex digits), or none`,
  },
  { table: 'params', column: 'key', refuses: tooLong('key', KEY_MAX), message: `a param key is at most ${KEY_MAX} characters` },
  { table: 'params', column: 'value', refuses: tooLong('value', PARAM_VALUE_MAX), message: `a param value is at most ${PARAM_VALUE_MAX} characters`, names: 'key', label: 'the value of param' },
  { table: 'tags', column: 'key', refuses: tooLong('key', KEY_MAX), message: `a tag key is at most ${KEY_MAX} characters` },
  { table: 'tags', column: 'value', refuses: tooLong('value', TAG_VALUE_MAX), message: `a tag value is at most ${TAG_VALUE_MAX} characters`, names: 'key', label: 'the value of tag' },
  // Not on metrics: a trigger there costs an upsert's worth per point (half the logging rate). The
  // latest value is upserted once per key per batch, and every key passes through it.
  { table: 'latest_metrics', column: 'key', refuses: notText('key', KEY_MAX), message: METRIC_KEY_MESSAGE },
  { table: 'artifacts', column: 'path', refuses: notInside('path'), message: `an artifact path ${ARTIFACT_PATH_MESSAGE}` },
  { table: 'registered_models', column: 'name', refuses: notModelName('name'), message: `a model name ${MODEL_NAME_RULE}` },
  // For a writer with foreign keys off, which could add a version without its model.
  { table: 'model_versions', column: 'model_name', refuses: notModelName('model_name'), message: `a model version's model name ${MODEL_NAME_RULE}` },
  { table: 'model_versions', column: 'artifact_path', refuses: notInside('artifact_path'), message: `a model's artifact path ${ARTIFACT_PATH_MESSAGE}` },
  {
    table: 'model_aliases',
    column: 'alias',
    refuses: `${notText('alias', ALIAS_MAX)} OR NEW.alias NOT GLOB '[A-Za-z]*' OR NEW.alias GLOB '*[^A-Za-z0-9_-]*'`,
    message: `an alias starts with a letter and uses letters, digits, _ and - only, at most ${ALIAS_MAX} of them`,
  },
];

const sqlText = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** One BEFORE INSERT and one BEFORE UPDATE trigger per table, each a CASE over that table's rules. */
function triggers(rules: readonly StoreRule[]): string {
  const tables = [...new Set(rules.map((r) => r.table))];
  return tables
    .map((table) => {
      const own = rules.filter((r) => r.table === table);
      const check = `SELECT CASE\n${own.map((r) => `    WHEN ${r.refuses} THEN RAISE(ABORT, ${sqlText(r.message)})`).join('\n')}\n  END;`;
      const columns = [...new Set(own.map((r) => r.column))].join(', ');
      return `CREATE TRIGGER ${table}_rules_insert BEFORE INSERT ON ${table} BEGIN\n  ${check}\nEND;\nCREATE TRIGGER ${table}_rules_update BEFORE UPDATE OF ${columns} ON ${table} BEGIN\n  ${check}\nEND;\n`;
    })
    .join('');
}

/** Migration 3's SQL. */
export const RULE_TRIGGERS = `\n${triggers(STORE_RULES)}`;

/** What each trigger message is about, for the writers: message -> [column named, label]. Messages are unique. */
export const RULE_SUBJECTS: Readonly<Record<string, [column: string, label: string]>> = Object.fromEntries(STORE_RULES.map((r) => [r.message, [r.names ?? r.column, r.label ?? '']]));

/** Whether text is a commit id as git writes it (lowercase hex, SHA-1 or SHA-256). */
export function isCommitSha(text: string): boolean {
  return COMMIT_SHA_LENGTHS.includes(text.length) && /^[0-9a-f]+$/.test(text);
}
