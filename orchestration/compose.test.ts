import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// `yaml` is installed as a dependency of the toolchain, not of botcap: good enough for a parse check.
import { parse } from 'yaml';
import { createProgram } from '../cli/program.ts';

interface ComposeService {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
}

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(new URL('../docker-compose.yml', import.meta.url), 'utf8')) as {
    services: Record<string, ComposeService>;
  };

  it('runs the whole stack: Postgres, PgBouncer, Redis, the fakes and the bot', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['bot', 'fakes', 'pgbouncer', 'postgres', 'redis']);
  });

  it('starts the botcap services with commands the CLI has', () => {
    const commands = createProgram().commands.map((c) => c.name());
    for (const service of Object.values(compose.services).filter((s) => s.build !== undefined)) {
      expect(commands).toContain(service.command?.[0]);
    }
  });

  it('gives the bot the contract every bot reads, pointing at the fakes', () => {
    const env = compose.services.bot!.environment!;
    expect(env.TELEGRAM_API_ROOT).toBe('http://fakes:8081');
    expect(env.ANTHROPIC_BASE_URL).toBe('http://fakes:8082');
    expect(env.DATABASE_URL).toMatch(/^postgres:\/\/.+@postgres:5432\//);
    expect(env.BOTCAP_TELEGRAM_TRANSPORT).toBe('webhook');
  });
});
