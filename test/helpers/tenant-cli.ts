/** Runs `npm run tenant -- …` as an operator does, against `databaseUrl`, and answers its output and exit code. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CliResult { stdout: string; stderr: string; code: number }

/**
 * @example
 * const created = await tenantCli(databaseUrl, ['create', '--name', 'Acme', '--json']);
 */
export async function tenantCli(databaseUrl: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run('npm', ['run', '--silent', 'tenant', '--', ...args], {
      env: { ...process.env, DATABASE_URL: databaseUrl, ...env }, maxBuffer: 64 * 1024 * 1024,
    });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const failed = error as { stdout: string; stderr: string; code: number };
    return { stdout: failed.stdout, stderr: failed.stderr, code: failed.code };
  }
}
