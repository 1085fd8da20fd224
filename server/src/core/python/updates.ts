/**
 * When a call changes an object in place, so that a step which makes the call must write the object
 * for the steps after it (`grid.fit(X, y)`, `words.append(w)`, `df.dropna(inplace=True)`,
 * `random.shuffle(deck)`).
 *
 * Python cannot say which methods change their receiver, so the rule errs towards correct results: a
 * method call on a data name counts as an update unless the method is known not to change its receiver
 * (the queries below, from pandas, NumPy, scikit-learn, PyTorch and the builtins) and is not given
 * `inplace=True`. Counting a query as an update only costs an extra output; missing an update gives a
 * later step the unchanged object, which is the bug this rule exists for. Methods that change the
 * receiver in some libraries are not queries here (`apply` on a PyTorch module, `cpu` on one).
 */

/** Methods known to leave their receiver as it was: they return a new object or a view of it. */
export const QUERY_METHODS: ReadonlySet<string> = new Set([
  // display and inspection
  'head', 'tail', 'describe', 'info', 'sample', 'show', 'summary', 'plot', 'hist', 'boxplot', 'display', 'print_summary',
  'memory_usage', 'equals', 'isna', 'isnull', 'notna', 'notnull', 'isin', 'between', 'duplicated', 'nunique', 'unique',
  'value_counts', 'count', 'any', 'all', 'keys', 'values', 'items', 'iteritems', 'iterrows', 'itertuples', 'get', 'index',
  // pandas and NumPy computations that return new objects
  'copy', 'groupby', 'agg', 'aggregate', 'applymap', 'map', 'transform', 'pipe', 'query', 'filter', 'where', 'mask',
  'mean', 'median', 'mode', 'sum', 'prod', 'min', 'max', 'std', 'var', 'sem', 'skew', 'kurt', 'quantile', 'cumsum', 'cumprod',
  'cummax', 'cummin', 'diff', 'pct_change', 'shift', 'rolling', 'expanding', 'ewm', 'resample', 'corr', 'cov', 'round', 'abs',
  'clip', 'idxmax', 'idxmin', 'argmax', 'argmin', 'argsort', 'nlargest', 'nsmallest', 'rank',
  'dropna', 'fillna', 'drop', 'drop_duplicates', 'rename', 'reset_index', 'set_index', 'reindex', 'sort_values', 'sort_index',
  'replace', 'astype', 'convert_dtypes', 'infer_objects', 'select_dtypes', 'merge', 'join', 'concat', 'combine', 'assign',
  'pivot', 'pivot_table', 'melt', 'stack', 'unstack', 'explode', 'transpose', 'reshape', 'flatten', 'ravel', 'squeeze',
  'dot', 'matmul', 'nonzero', 'cut', 'qcut', 'to_frame', 'to_numpy', 'to_list', 'tolist', 'to_dict', 'to_records', 'to_string',
  'to_csv', 'to_json', 'to_parquet', 'to_excel', 'to_pickle', 'to_sql', 'to_markdown', 'to_html', 'to_latex', 'savefig', 'save',
  // scikit-learn, PyTorch and Keras queries
  'predict', 'predict_proba', 'predict_log_proba', 'decision_function', 'score', 'score_samples', 'inverse_transform',
  'get_params', 'get_feature_names_out', 'evaluate', 'forward', 'numpy', 'item', 'size', 'dim', 'detach', 'clone',
  'parameters', 'named_parameters', 'state_dict', 'children', 'modules', 'view', 'permute', 'contiguous', 'unsqueeze',
  // strings, lists, dicts, sets, paths
  'format', 'lower', 'upper', 'strip', 'lstrip', 'rstrip', 'split', 'rsplit', 'splitlines', 'startswith', 'endswith', 'find',
  'rfind', 'encode', 'decode', 'title', 'capitalize', 'casefold', 'zfill', 'center', 'ljust', 'rjust', 'isdigit', 'isalpha',
  'union', 'intersection', 'difference', 'symmetric_difference', 'issubset', 'issuperset', 'isdisjoint',
  'exists', 'is_file', 'is_dir', 'glob', 'rglob', 'iterdir', 'read_text', 'read_bytes', 'resolve', 'joinpath', 'with_suffix',
]);

/** Functions that change their first argument in place; users add more in settings (`cellflow.promote.inPlaceFunctions`). */
export const IN_PLACE_FUNCTIONS: readonly string[] = ['random.shuffle', 'np.random.shuffle', 'numpy.random.shuffle', 'shuffle'];

export interface UpdateRules {
  /** Dotted function names that change their first argument in place, as the cell spells them. */
  inPlaceFunctions: ReadonlySet<string>;
}

export const DEFAULT_UPDATE_RULES: UpdateRules = { inPlaceFunctions: new Set(IN_PLACE_FUNCTIONS) };

export function updateRules(extraInPlaceFunctions: Iterable<string> = []): UpdateRules {
  return { inPlaceFunctions: new Set([...IN_PLACE_FUNCTIONS, ...extraInPlaceFunctions]) };
}

/** Whether calling `method` on an object changes it, given whether the call passes `inplace=True`. */
export function methodUpdates(method: string, inplace: boolean): boolean {
  return inplace || !QUERY_METHODS.has(method);
}
