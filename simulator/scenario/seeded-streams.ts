/**
 * Seeded randomness for the simulated day (pure-rand's xoroshiro128+). Each aspect of the day
 * (the municipality, absences, meetings, calls, …) draws from its own stream, a jump apart, so
 * changing one parameter does not reshuffle everything else drawn from the same seed.
 */
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

type JumpableRandomGenerator = ReturnType<typeof xoroshiro128plus>;

export class Random {
  private constructor(private readonly rng: JumpableRandomGenerator) {}

  /** The `index`th independent stream of `seed`. */
  static stream(seed: number, index: number): Random {
    const rng = xoroshiro128plus(seed);
    for (let i = 0; i <= index; i++) rng.jump();
    return new Random(rng);
  }

  /** uniform in [0, 1) */
  float(): number {
    return uniformFloat64(this.rng);
  }

  /** uniform in [min, max) */
  between(min: number, max: number): number {
    return min + (max - min) * this.float();
  }

  /** a whole number in [min, max] */
  int(min: number, max: number): number {
    return uniformInt(this.rng, min, max);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(list: readonly T[]): T {
    return list[this.int(0, list.length - 1)]!;
  }

  /** the time to the next event of a Poisson process with `rate` per unit */
  exponential(rate: number): number {
    return -Math.log(1 - this.float()) / rate;
  }

  /** a Poisson-distributed count with mean `mean` (Knuth; the means here are small) */
  poisson(mean: number): number {
    const limit = Math.exp(-mean);
    let k = 0;
    let p = this.float();
    while (p > limit) {
      k++;
      p *= this.float();
    }
    return k;
  }

  /** a shuffled copy (Fisher-Yates) */
  shuffle<T>(list: readonly T[]): T[] {
    const out = [...list];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }
}
