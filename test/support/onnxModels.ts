import * as fs from 'node:fs';
import { onnx } from 'onnx-proto';

/**
 * Small real ONNX models, written with onnx-proto (the ONNX protobuf schema, generated for
 * protobufjs): the tests, the benchmark and the example build their models here, deterministic
 * weights included, so nothing binary is checked in unexplained.
 */

const T = onnx.TensorProto.DataType;
type Dim = number | string;

const TYPE: Record<string, number> = {
  float32: T.FLOAT, float64: T.DOUBLE, float16: T.FLOAT16, int8: T.INT8, uint8: T.UINT8, int16: T.INT16, uint16: T.UINT16,
  int32: T.INT32, uint32: T.UINT32, int64: T.INT64, uint64: T.UINT64, bool: T.BOOL, string: T.STRING,
};

function valueInfo(name: string, type: string, dims: Dim[]): onnx.IValueInfoProto {
  return { name, type: { tensorType: { elemType: TYPE[type], shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } } };
}

/** Deterministic weights in [−scale, scale) (a linear congruential sequence). */
function weights(n: number, seed: number, scale: number): number[] {
  let x = seed >>> 0;
  return Array.from({ length: n }, () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return (x / 2 ** 32 - 0.5) * 2 * scale;
  });
}

function floats(name: string, dims: number[], values: number[]): onnx.ITensorProto {
  return { name, dims, dataType: T.FLOAT, floatData: values };
}

function ints(name: string, values: number[]): onnx.ITensorProto {
  return { name, dims: [values.length], dataType: T.INT64, int64Data: values };
}

function node(opType: string, input: string[], output: string[], attribute: onnx.IAttributeProto[] = []): onnx.INodeProto {
  return { opType, input, output, attribute, name: `${opType}_${output[0]}` };
}

function model(name: string, graph: Omit<onnx.IGraphProto, 'name'>, opset = 17): Uint8Array {
  return onnx.ModelProto.encode({ irVersion: 8, producerName: 'cellflow-tests', opsetImport: [{ domain: '', version: opset }], graph: { name, ...graph } }).finish();
}

/** An MLP with ReLU between layers: sizes [in, hidden…, out], input "x" [batch, in]. */
export function mlp(sizes: number[], seed = 1): Uint8Array {
  const nodes: onnx.INodeProto[] = [];
  const init: onnx.ITensorProto[] = [];
  let last = 'x';
  for (let i = 0; i < sizes.length - 1; i++) {
    init.push(floats(`w${i}`, [sizes[i], sizes[i + 1]], weights(sizes[i] * sizes[i + 1], seed + i, 1 / Math.sqrt(sizes[i]))), floats(`b${i}`, [sizes[i + 1]], weights(sizes[i + 1], seed + 100 + i, 0.1)));
    nodes.push(node('MatMul', [last, `w${i}`], [`m${i}`]), node('Add', [`m${i}`, `b${i}`], [`a${i}`]));
    last = `a${i}`;
    if (i < sizes.length - 2) {
      nodes.push(node('Relu', [last], [`r${i}`]));
      last = `r${i}`;
    }
  }
  nodes.push(node('Identity', [last], ['y']));
  return model('mlp', { node: nodes, initializer: init, input: [valueInfo('x', 'float32', ['batch', sizes[0]])], output: [valueInfo('y', 'float32', ['batch', sizes[sizes.length - 1]])] });
}

/** A small CNN: two 3×3 convolutions with ReLU, global average pooling, a linear head. Input "image" [N, 3, size, size]. */
export function cnn(size = 32, channels = 16, classes = 10, seed = 7): Uint8Array {
  const conv = (name: string, cin: number, cout: number, s: number) => [floats(`${name}_w`, [cout, cin, 3, 3], weights(cout * cin * 9, s, 1 / Math.sqrt(cin * 9))), floats(`${name}_b`, [cout], weights(cout, s + 1, 0.05))];
  const pads = { name: 'pads', type: onnx.AttributeProto.AttributeType.INTS, ints: [1, 1, 1, 1] };
  return model('cnn', {
    node: [
      node('Conv', ['image', 'c1_w', 'c1_b'], ['c1'], [pads]),
      node('Relu', ['c1'], ['r1']),
      node('Conv', ['r1', 'c2_w', 'c2_b'], ['c2'], [pads]),
      node('Relu', ['c2'], ['r2']),
      node('GlobalAveragePool', ['r2'], ['g']),
      node('Flatten', ['g'], ['f']),
      node('Gemm', ['f', 'fc_w', 'fc_b'], ['logits']),
    ],
    initializer: [...conv('c1', 3, channels, seed), ...conv('c2', channels, channels, seed + 10), floats('fc_w', [channels, classes], weights(channels * classes, seed + 20, 0.3)), floats('fc_b', [classes], weights(classes, seed + 21, 0.05))],
    input: [valueInfo('image', 'float32', ['N', 3, size, size])],
    output: [valueInfo('logits', 'float32', ['N', classes])],
  });
}

/**
 * Two inputs of other types and a sequence dimension: token ids (int64 [batch, sequence]) looked up in
 * an embedding table and averaged, plus dense features (`features`, of `featureType`, cast to float).
 */
export function twoInputs(featureType = 'float16', vocab = 32, width = 8): Uint8Array {
  return model('two_inputs', {
    node: [
      node('Gather', ['embedding', 'input_ids'], ['e']),
      node('ReduceMean', ['e', 'axes'], ['pooled'], [{ name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 0 }]),
      node('Cast', ['features'], ['ff'], [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: T.FLOAT }]),
      node('Add', ['pooled', 'ff'], ['y']),
    ],
    initializer: [floats('embedding', [vocab, width], weights(vocab * width, 3, 1)), ints('axes', [1])],
    input: [valueInfo('input_ids', 'int64', ['batch', 'sequence']), valueInfo('features', featureType, ['batch', width])],
    output: [valueInfo('y', 'float32', ['batch', width])],
  }, 18);
}

export function writeModel(file: string, bytes: Uint8Array): string {
  fs.writeFileSync(file, bytes);
  return file;
}
