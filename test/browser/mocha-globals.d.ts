/** The mocha globals @web/test-runner provides in the browser (no @types/mocha in this project). */
type MochaFn = (this: { timeout(ms: number): void }) => void | Promise<void>;
declare function describe(title: string, body: () => void): void;
declare function it(title: string, body: MochaFn): void;
declare function before(body: MochaFn): void;
declare function after(body: MochaFn): void;
declare function beforeEach(body: MochaFn): void;
declare function afterEach(body: MochaFn): void;
