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

/**
 * A store whose every call is observed in `histogram` (label `operation` = the method's name). Each method's
 * timed wrapper and its labelled child are made once, on its first call: a write is timed without new closures
 * or a hash of its labels.
 */
export function instrumentStore(store: Store, histogram: Histogram<'operation'>): Store {
  const wrapped = new Map<string, { method: Method; timedCall: Method }>();
  return new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      const method = value as Method;
      const known = wrapped.get(property);
      if (known?.method === method) return known.timedCall;
      const child = histogram.labels({ operation: property });
      const observe = (seconds: number) => child.observe(seconds);
      const timedCall = (...args: unknown[]) => timed(() => method.apply(target, args), observe);
      wrapped.set(property, { method, timedCall });
      return timedCall;
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
