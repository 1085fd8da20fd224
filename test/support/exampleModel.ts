import * as fs from 'node:fs';
import * as path from 'node:path';
import { mlp } from './onnxModels';

/**
 * The example workspace's ONNX model: a churn scorer over the eight customer features (an MLP
 * 8-64-64-1, deterministic weights: a stand-in for a model exported with torch.onnx or skl2onnx,
 * neither of which this machine has). `npm start` writes it to examples/models/ and
 * examples/train.py registers it, so the Registry view has a version to benchmark.
 */
export function writeExampleModel(file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, mlp([8, 64, 64, 1], 11));
}

if (require.main === module) writeExampleModel(process.argv[2] ?? path.join('examples', 'models', 'churn-mlp.onnx'));
