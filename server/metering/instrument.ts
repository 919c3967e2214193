/**
 * Timing of store and bus calls for /metrics, as thin proxies: every store method is timed under its own
 * name; for the bus only `publish` is (subscribe/unsubscribe are rare and not on the write path).
 */
import type { Histogram } from 'prom-client';
import type { Bus } from '../bus/types.js';
import type { Store } from '../store/types.js';

type Method = (...args: unknown[]) => unknown;

function timed<T>(run: () => T, observe: (seconds: number) => void): T {
  const started = performance.now();
  const done = () => observe((performance.now() - started) / 1000);
  const result = run();
  if (result instanceof Promise) {
    result.then(done, done);
  } else {
    done();
  }
  return result;
}

/** A store whose every call is observed in `histogram` (label `operation` = the method's name). */
export function instrumentStore(store: Store, histogram: Histogram<'operation'>): Store {
  return new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      const method = value as Method;
      const observe = (seconds: number) => histogram.observe({ operation: property }, seconds);
      return (...args: unknown[]) => timed(() => method.apply(target, args), observe);
    },
  });
}

/** A bus whose `publish` calls are observed in `histogram`. */
export function instrumentBus(bus: Bus, histogram: Histogram): Bus {
  return new Proxy(bus, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property);
      if (property !== 'publish' || typeof value !== 'function') {
        return typeof value === 'function' ? (value as Method).bind(target) : value;
      }
      const publish = value as Method;
      return (...args: unknown[]) => timed(() => publish.apply(target, args), (seconds) => histogram.observe(seconds));
    },
  });
}
