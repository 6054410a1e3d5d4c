import v8 from 'node:v8';

/**
 * For unit tests: whether two objects have the same V8 layout (hidden class), as V8 itself sees
 * it (`%HaveSameMap`, natives syntax switched on here, in the test's process). The generator's
 * 50,000+ long-lived sessions and ledger records must keep one layout (docs/architecture.md,
 * "Objects that stay one shape"). V8 shares a layout among all objects made by one literal, so
 * a test using this runs alone in its file (a process of its own): a test before it could
 * change the layout first and hide what it checks.
 */
v8.setFlagsFromString('--allow-natives-syntax');
export const sameLayout = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;
