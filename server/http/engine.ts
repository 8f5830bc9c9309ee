/**
 * What the routes ask the container engine (is it reachable, is an image
 * present), answered from a short cache: POST /api/sessions must not pay a
 * Docker round trip each time.
 */
import type {Clock} from '../clock.js';
import type {ContainerRuntime, EngineInfo} from '../runtime/types.js';

export interface EngineProbe {
  /** The engine's answer, at most `ENGINE_CACHE_MS` old; never rejects. */
  engine(): Promise<EngineInfo>;
  /** Whether `image` is present; an image once found present is not asked about again. */
  hasImage(image: string): Promise<boolean>;
}

const ENGINE_CACHE_MS = 2_000;
const ENGINE_CHECK_TIMEOUT_MS = 3_000;

export function createEngineProbe(runtime: ContainerRuntime, clock: Clock): EngineProbe {
  let cache: {at: number; info: Promise<EngineInfo>} | undefined;
  const imagesPresent = new Set<string>();
  return {
    engine() {
      const now = clock.now();
      if (!cache || now - cache.at > ENGINE_CACHE_MS) {
        const info = Promise.race([
          runtime.engine(),
          new Promise<EngineInfo>((resolveInfo) => {
            clock.setTimeout(() => resolveInfo({reachable: false, runtimes: [], error: 'the engine did not answer in time'}), ENGINE_CHECK_TIMEOUT_MS);
          }),
        ]).catch((error: unknown): EngineInfo => ({reachable: false, runtimes: [], error: String(error)}));
        cache = {at: now, info};
      }
      return cache.info;
    },
    async hasImage(image) {
      if (imagesPresent.has(image)) return true;
      const present = await runtime.hasImage(image).catch(() => false);
      if (present) imagesPresent.add(image);
      return present;
    },
  };
}
