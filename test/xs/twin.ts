// The same firmware on XS (xsnap) and on Node, each against its own identical BCM53125 model on virtual time, driven
// by the same named scenarios (hosts/xs/scenarios.ts): `same` asserts identical results, logs, SPI traffic and time.
import assert from "node:assert/strict";
import { after } from "node:test";
import { VirtualClock } from "../../hosts/sim/clock";
import { SimSPI } from "../../hosts/sim/spi";
import { Bcm53125Model } from "../../hosts/sim/bcm53125/model";
import { NodeScenarioBoard, XsBoard } from "../../hosts/xs/board";
import type { ScenarioArgs } from "../../hosts/xs/scenarios";
import type { OnemacError } from "../../modules/errors";

const SPI_HZ = 10e6;

export interface Bench {
  clock: VirtualClock;
  model: Bcm53125Model;
  spi: SimSPI;
}

export function makeBench(setup?: (model: Bcm53125Model) => void): Bench {
  const clock = new VirtualClock();
  const model = new Bcm53125Model({ clock });
  model.setLink(0, true, 1000, true);
  model.setLink(1, true, 1000, true);
  model.setLink(2, true, 100, false);
  setup?.(model);
  const spi = new SimSPI({ hz: SPI_HZ, device: model, time: clock });
  return { clock, model, spi };
}

/** The same firmware on XS and on Node, each against its own identical bench. */
export class Twin {
  readonly xsBench: Bench;
  readonly nodeBench: Bench;
  readonly node: NodeScenarioBoard;
  #xs: XsBoard | undefined;

  constructor(setup?: (model: Bcm53125Model) => void) {
    this.xsBench = makeBench(setup);
    this.nodeBench = makeBench(setup);
    this.node = new NodeScenarioBoard({ spi: this.nodeBench.spi, clock: this.nodeBench.clock });
  }

  async start(): Promise<this> {
    this.#xs = await XsBoard.start({ spi: this.xsBench.spi, clock: this.xsBench.clock });
    return this;
  }

  get xs(): XsBoard {
    if (!this.#xs) throw new Error("twin not started");
    return this.#xs;
  }

  /** Applies a board-side change (cable, fault) to both models. */
  both(change: (model: Bcm53125Model) => void): void {
    change(this.xsBench.model);
    change(this.nodeBench.model);
  }

  /** Runs a scenario on both; asserts identical results, logs, SPI traffic and time; returns the XS result. */
  async same<T>(scenario: string, args: ScenarioArgs = {}): Promise<T> {
    const nodeLogStart = this.node.log.length;
    const expected = this.node.run<T>(scenario, args);
    const actual = await this.xs.run<T>(scenario, args);
    assert.deepEqual(actual.result, expected, `${scenario} ${JSON.stringify(args).slice(0, 200)}: XS and Node results differ`);
    assert.deepEqual(actual.log, this.node.log.slice(nodeLogStart), `${scenario}: XS and Node logs differ`);
    this.assertSameTraffic(scenario);
    return actual.result;
  }

  assertSameTraffic(what: string): void {
    assert.deepEqual(this.xsBench.spi.stats, this.nodeBench.spi.stats, `${what}: SPI transactions/bytes differ`);
    assert.equal(this.xsBench.clock.now(), this.nodeBench.clock.now(), `${what}: virtual time differs`);
    assert.equal(this.xsBench.spi.selected, false, `${what}: XS left chip select asserted`);
  }

  /** Runs a scenario that must throw on both; returns [XS error, Node error] after comparing class, code, message. */
  async sameError(scenario: string, args: ScenarioArgs = {}): Promise<[Error, Error]> {
    let nodeError: unknown;
    try {
      this.node.run(scenario, args);
    } catch (error) {
      nodeError = error;
    }
    assert.ok(nodeError instanceof Error, `${scenario}: expected Node to throw`);
    let xsError: unknown;
    try {
      await this.xs.run(scenario, args);
    } catch (error) {
      xsError = error;
    }
    assert.ok(xsError instanceof Error, `${scenario}: expected XS to throw`);
    assert.equal(xsError.constructor, nodeError.constructor);
    assert.equal(xsError.name, nodeError.name);
    assert.equal(xsError.message, nodeError.message);
    assert.equal((xsError as OnemacError).code, (nodeError as OnemacError).code);
    this.assertSameTraffic(scenario);
    return [xsError, nodeError];
  }

  close(): Promise<void> {
    return this.#xs?.close() ?? Promise.resolve();
  }
}

const twins: Twin[] = [];

/** A started twin, closed after the test file. */
export async function twin(setup?: (model: Bcm53125Model) => void): Promise<Twin> {
  const created = new Twin(setup);
  twins.push(created);
  return created.start();
}

after(async () => {
  await Promise.all(twins.map((t) => t.close()));
});
