import type { Node } from 'web-tree-sitter';
import type { SetupStatement } from './cellAnalysis';
import { FunctionScope, RecordingScope, type ModuleScope } from './scopes';
import type { Walker } from './walker';

/**
 * Calls whose effect is on the process rather than on a name: seeding, configuration, environment
 * loading, warnings and logging. Called on an imported module (`np.random.seed(0)`, `pd.set_option(…)`)
 * or as an imported function (`load_dotenv()`), they are setup that later steps need too.
 */
const SETUP_CALLS = new Set([
  'seed', 'manual_seed', 'manual_seed_all', 'set_seed', 'seed_everything', 'set_random_seed',
  'set_option', 'set_printoptions', 'set_default_dtype', 'set_num_threads', 'set_float32_matmul_precision',
  'use_deterministic_algorithms', 'set_visible_devices', 'set_memory_growth', 'disable_eager_execution',
  'filterwarnings', 'simplefilter', 'resetwarnings', 'basicConfig', 'setLevel', 'disable',
  'load_dotenv', 'use', 'set_theme', 'set_style', 'set_context', 'set_palette', 'set', 'update', 'register_matplotlib_converters',
]);

/**
 * Calls among those that change the whole process, not the module they are called on: every later
 * step gets them, whatever it imports (NumPy's global seed also decides scikit-learn's shuffles).
 */
const PROCESS_WIDE_CALLS = new Set(['seed', 'manual_seed', 'manual_seed_all', 'set_seed', 'seed_everything', 'set_random_seed', 'filterwarnings', 'simplefilter', 'resetwarnings', 'load_dotenv', 'basicConfig']);

/**
 * A module-level statement that may be setup: a setup call, or an assignment to an attribute or item of
 * a name the cell did not bind as data (`openai.api_key = …`, `os.environ["K"] = …`). Promotion keeps
 * it as setup when the name turns out to be an import.
 */
export function setupStatement(stmt: Node, module: ModuleScope, walker: Walker): SetupStatement | undefined {
  if (stmt.type !== 'expression_statement' || stmt.namedChildCount !== 1) return undefined;
  const expr = stmt.namedChildren[0]!;
  let root: string | undefined;
  let call: string | undefined;
  if (expr.type === 'call') {
    const fn = expr.childForFieldName('function');
    call = fn?.type === 'attribute' ? fn.childForFieldName('attribute')?.text : fn?.type === 'identifier' ? fn.text : undefined;
    if (!fn || !call || !SETUP_CALLS.has(call)) return undefined;
    root = rootOf(fn);
  } else if (expr.type === 'assignment' || expr.type === 'augmented_assignment') {
    const left = expr.childForFieldName('left');
    if (!left || (left.type !== 'attribute' && left.type !== 'subscript')) return undefined;
    root = rootOf(left);
  }
  if (!root || (module.isBound(root) && !module.isImport(root))) return undefined;
  const recorder = new RecordingScope(new FunctionScope([]));
  walker.visit(stmt, recorder);
  const environ = /^os\.environ\b/.test(expr.type === 'call' ? '' : (expr.childForFieldName('left')?.text ?? ''));
  return {
    line: stmt.startPosition.row,
    endLine: stmt.endPosition.row,
    text: stmt.text,
    root,
    importedHere: module.isImport(root),
    reads: [...recorder.names].filter((n) => n !== root),
    processWide: environ || (call !== undefined && PROCESS_WIDE_CALLS.has(call)),
  };
}

/** `np` in `np.random.seed`, `os` in `os.environ["K"]`; undefined through a call or a literal. */
function rootOf(node: Node): string | undefined {
  let n: Node | null = node;
  while (n && (n.type === 'attribute' || n.type === 'subscript')) n = n.type === 'attribute' ? n.childForFieldName('object') : n.childForFieldName('value');
  return n?.type === 'identifier' ? n.text : undefined;
}
