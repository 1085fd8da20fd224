import { FilterError, type Field, type Filter, type Op, type OrderBy, type Value } from './filter';

/** SQL text built only from fixed fragments, with every user value in `params`. */
export interface Sql {
  text: string;
  params: Array<string | number>;
}

const COLUMNS: Record<Extract<Field, { kind: 'attribute' }>['name'], string> = {
  id: 'r.id',
  name: 'r.name',
  status: 'r.status',
  experiment: 'e.name',
  start_time: 'r.start_time',
  end_time: 'r.end_time',
  pipeline: 'r.pipeline',
  step_id: 'r.step_id',
  step_version: 'r.step_version',
  git_commit: 'r.git_commit',
};

const SQL_OPS: Record<Op, string> = { '=': '=', '!=': '!=', '<': '<', '<=': '<=', '>': '>', '>=': '>=', like: 'GLOB', ilike: 'LIKE', 'not like': 'NOT GLOB' };

/** A LIKE pattern (% and _) as a GLOB pattern, which SQLite matches case-sensitively as MLflow's `like` does. */
export function likeToGlob(pattern: string): string {
  return pattern.replace(/[*?[\]]/g, (c) => `[${c}]`).replace(/%/g, '*').replace(/_/g, '?');
}

/**
 * A filter as a WHERE condition over `runs r JOIN experiments e`. Metrics compare their latest value
 * (one indexed row per run and key); params and tags compare as text, or as numbers when the filter
 * gives a number. Each comparison becomes `r.id IN (indexed subquery)`, which SQLite answers from the
 * (key, value, run_id) indexes.
 */
export function filterSql(filter: Filter): Sql {
  const params: Array<string | number> = [];
  const walk = (f: Filter): string => {
    switch (f.kind) {
      case 'and':
      case 'or':
        return `(${walk(f.left)} ${f.kind.toUpperCase()} ${walk(f.right)})`;
      case 'not':
        return `(NOT ${walk(f.expr)})`;
      case 'compare':
        return compare(f.field, f.op, f.value, params);
      case 'in': {
        const marks = f.values.map(() => '?').join(', ');
        const inner = (target: string) => `${target} ${f.negated ? 'NOT IN' : 'IN'} (${marks})`;
        if (f.field.kind === 'attribute') {
          params.push(...f.values);
          return inner(COLUMNS[f.field.name]);
        }
        const table = TABLES[f.field.kind];
        params.push(f.field.key, ...f.values);
        return `r.id IN (SELECT run_id FROM ${table} WHERE key = ? AND ${inner('value')})`;
      }
    }
  };
  return { text: walk(filter), params };
}

const TABLES = { metric: 'latest_metrics', param: 'params', tag: 'tags' } as const;

function compare(field: Field, op: Op, value: Value, params: Array<string | number>): string {
  const sqlOp = SQL_OPS[op];
  const like = op === 'like' || op === 'ilike' || op === 'not like';
  if (like && typeof value !== 'string') throw new FilterError(1, `\`${op}\` needs a quoted pattern, not ${value}`);
  const target = (column: string) => `${column} ${sqlOp} ?`;
  const v = op === 'like' || op === 'not like' ? likeToGlob(String(value)) : value;
  if (field.kind === 'attribute') {
    params.push(v);
    return target(COLUMNS[field.name]);
  }
  if (field.kind === 'metric' && typeof value !== 'number') throw new FilterError(1, `metrics compare with numbers: use metrics.${field.key} ${op} <number>`);
  params.push(field.key, v);
  // Params and tags are text; a number in the filter compares them as numbers.
  const column = field.kind !== 'metric' && typeof value === 'number' ? 'CAST(value AS REAL)' : 'value';
  return `r.id IN (SELECT run_id FROM ${TABLES[field.kind]} WHERE key = ? AND ${target(column)})`;
}

/** ORDER BY terms; a run without the metric or param sorts last either way. */
export function orderSql(order: OrderBy[]): Sql {
  const params: Array<string | number> = [];
  const terms = order.map(({ field, descending }) => {
    const dir = descending ? 'DESC' : 'ASC';
    if (field.kind === 'attribute') return `${COLUMNS[field.name]} ${dir}`;
    params.push(field.key);
    return `(SELECT value FROM ${TABLES[field.kind]} WHERE run_id = r.id AND key = ?) ${dir} NULLS LAST`;
  });
  terms.push('r.start_time DESC', 'r.id');
  return { text: terms.join(', '), params };
}
