// @ts-check
/**
 * The service's time in the local stack: the wall clock plus an offset that `POST /_local/clock`
 * moves forward. Moving it moves `Date` itself, and only inside the functions, in both modes: the
 * worker of a bundle (worker-bootstrap.mjs) and the invocations of `npm start`'s in-process runtime
 * (runtime.ts). So the service keeps its plain clock (shared/adapters/clock.ts) and a bundle, code
 * we must not change, sees the same time as the sources; the stand-ins read it through the runtime's
 * `now()`. Plain JavaScript, because a worker loads nothing of the dev toolchain.
 *
 * @param {Float64Array} offset milliseconds to add, at index 0; whoever holds the array moves time
 * @param {() => boolean} applies whether the code asking for the time is a function's
 * @returns {() => number} the unshifted `Date.now`
 */
export function shiftDate(offset, applies) {
  const RealDate = Date;
  const realNow = RealDate.now.bind(RealDate);
  const shiftedNow = () => realNow() + (applies() ? (offset[0] ?? 0) : 0);
  // A Proxy rather than a subclass, so `Date()` called without `new` still returns a string, as it must.
  globalThis.Date = new Proxy(RealDate, {
    construct: (target, args, newTarget) => Reflect.construct(target, args.length === 0 ? [shiftedNow()] : args, newTarget),
    apply: () => new RealDate(shiftedNow()).toString(),
    get: (target, property, receiver) => (property === 'now' ? shiftedNow : Reflect.get(target, property, receiver)),
  });
  return realNow;
}
