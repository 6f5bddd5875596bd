/**
 * A Node training loop on sxflow tensors: a small ttbar vs W+jets classifier in TensorFlow.js
 * (pure JavaScript CPU backend), fed by openTensors straight from the run configuration: the
 * pipeline runs in memory (no SALT file is written) and yields the rows `sxflow run` would write
 * into the train and val files, normalised with the train statistics.
 *
 *   npx tsx examples/train-tfjs.ts [--epochs 8] [--ic-cuts]
 *
 * The data are the IC example's samples, objects and split (examples/ic-ttbar-wjets.yaml). Its five
 * analysis cuts keep 156 of the 10,000 bundled events, too few to show learning, so the cuts are
 * dropped unless --ic-cuts is given. The model: one small network applied to every jet and every
 * electron, averaged over the valid slots only (the `valid` mask), concatenated with the event's
 * MET features, then a dense layer and a logistic output.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { loadRunConfig, openTensors } from "../src/index.js";
import type { TensorBatch, TensorInput } from "../src/index.js";

export interface TrainOptions {
  epochs?: number;
  /** Keep the IC analysis cuts (156 events). */
  icCuts?: boolean;
  seed?: number;
  /** Called after every epoch (the command prints it). */
  onEpoch?: (e: EpochResult) => void;
}

export interface EpochResult {
  epoch: number;
  loss: number;
  valAccuracy: number;
}

export interface TrainResult {
  epochs: EpochResult[];
  /** Validation accuracy of always answering the most frequent class of the training data. */
  majorityAccuracy: number;
  trainEvents: number;
  valEvents: number;
}

const FIELDS = { event: ["met", "met_phi", "met_sig", "met_sumet"], jet: ["pt", "eta", "phi", "btag"], el: ["pt", "eta", "phi"] };
const HIDDEN = 16;

/** Weights of a dense layer, initialised from a seed (Glorot-style scale). */
function dense(inputs: number, outputs: number, seed: number): { w: tf.Variable; b: tf.Variable } {
  return { w: tf.variable(tf.randomNormal([inputs, outputs], 0, Math.sqrt(2 / (inputs + outputs)), "float32", seed)), b: tf.variable(tf.zeros([outputs])) };
}

type Model = ReturnType<typeof buildModel>;

function buildModel(seed: number) {
  return {
    jet: dense(FIELDS.jet.length, HIDDEN, seed + 1),
    el: dense(FIELDS.el.length, HIDDEN, seed + 2),
    hidden: dense(2 * HIDDEN + FIELDS.event.length, HIDDEN, seed + 3),
    out: dense(HIDDEN, 1, seed + 4),
  };
}

/** Per-object layer averaged over valid slots: [B, max, F] -> [B, H]. */
function pooled(x: TensorInput, layer: { w: tf.Variable; b: tf.Variable }): tf.Tensor2D {
  const [b, max, f] = x.shape as [number, number, number];
  const objects = tf.relu(tf.add(tf.matMul(tf.tensor2d(x.data, [b * max, f]), layer.w), layer.b)).reshape([b, max, HIDDEN]);
  const valid = tf.tensor3d(Float32Array.from(x.valid!), [b, max, 1]);
  const count = tf.maximum(tf.sum(valid, 1), 1);
  return tf.div(tf.sum(tf.mul(objects, valid), 1), count) as tf.Tensor2D;
}

function logits(m: Model, batch: TensorBatch): tf.Tensor2D {
  const event = batch.inputs.event!;
  const features = tf.concat([pooled(batch.inputs.jet!, m.jet), pooled(batch.inputs.el!, m.el), tf.tensor2d(event.data, event.shape as [number, number])], 1);
  const hidden = tf.relu(tf.add(tf.matMul(features, m.hidden.w), m.hidden.b));
  return tf.add(tf.matMul(hidden, m.out.w), m.out.b) as tf.Tensor2D;
}

function accuracy(m: Model, batches: TensorBatch[]): number {
  let right = 0;
  let total = 0;
  for (const batch of batches) {
    const predicted = tf.tidy(() => logits(m, batch).greater(0).dataSync());
    batch.labels.forEach((label, i) => (right += Number(predicted[i]!) === label ? 1 : 0));
    total += batch.size;
  }
  return right / total;
}

/** Trains on the IC configuration's train split and reports accuracy on its val split. */
export async function train(options: TrainOptions = {}): Promise<TrainResult> {
  const epochs = options.epochs ?? 8;
  const seed = options.seed ?? 1;
  await tf.setBackend("cpu");
  const config = await loadRunConfig(fileURLToPath(new URL("./ic-ttbar-wjets.yaml", import.meta.url)));
  if (!options.icCuts) config.cuts = [];
  const common = { groups: ["event", "jet", "el"], fields: FIELDS };

  // Kept for every epoch's evaluation, so in arrays of their own (no reuse).
  const val: TensorBatch[] = [];
  for await (const b of openTensors(config, { ...common, split: "val", batchSize: 1024 })) val.push(b);
  const counts = [0, 0];
  const model = buildModel(seed);
  const optimizer = tf.train.adam(0.01);
  const result: TrainResult = { epochs: [], majorityAccuracy: 0, trainEvents: 0, valEvents: val.reduce((n, b) => n + b.size, 0) };
  let loss = 0;
  let events = 0;
  const endEpoch = (epoch: number) => {
    result.trainEvents = events;
    const e = { epoch: epoch + 1, loss: loss / events, valAccuracy: accuracy(model, val) };
    result.epochs.push(e);
    options.onEpoch?.(e);
    loss = 0;
    events = 0;
  };
  // One pipeline run, then every epoch in a new seeded order. reuse: each batch is decoded into
  // the same few arrays, which is safe here because every tensor made from a batch is used and
  // disposed (inside minimize) before the next batch is asked for: tf.tensor keeps the array.
  let epoch = 0;
  for await (const batch of openTensors(config, { ...common, split: "train", batchSize: 128, epochs, shuffle: { seed }, reuse: true })) {
    if (batch.epoch !== epoch) endEpoch(epoch++);
    if (epoch === 0) for (const l of batch.labels) counts[l]!++;
    const labels = tf.tensor2d(Float32Array.from(batch.labels), [batch.size, 1]);
    const cost = optimizer.minimize(() => tf.losses.sigmoidCrossEntropy(labels, logits(model, batch)), true) as tf.Scalar;
    loss += cost.dataSync()[0]! * batch.size;
    events += batch.size;
    tf.dispose([labels, cost]);
  }
  endEpoch(epoch);
  const majority = counts[0]! >= counts[1]! ? 0 : 1;
  result.majorityAccuracy = val.reduce((n, b) => n + b.labels.filter((l) => l === majority).length, 0) / result.valEvents;
  return result;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const at = args.indexOf("--epochs");
  const result = await train({
    epochs: at >= 0 ? Number(args[at + 1]) : undefined,
    icCuts: args.includes("--ic-cuts"),
    onEpoch: (e) => console.log(`epoch ${e.epoch}: loss ${e.loss.toFixed(4)}, val accuracy ${(100 * e.valAccuracy).toFixed(1)} %`),
  });
  console.log(`${result.trainEvents} train and ${result.valEvents} val events; always the majority class: ${(100 * result.majorityAccuracy).toFixed(1)} %`);
}
