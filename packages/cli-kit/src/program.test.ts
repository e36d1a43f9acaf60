import * as commander from 'commander';
import { describe, expect, it } from 'vitest';
import { type CommandGroup, commanderErrorJson, createProgram, namedCommand } from './bin-kit.js';

function groups(built: string[]): CommandGroup[] {
  return ['release', 'cache', 'env'].map((name) => ({
    name,
    description: `the ${name} commands`,
    ...(name === 'env' ? { term: 'env [options] <stage>' } : {}),
    define: (command) => {
      built.push(name);
      command.command('run').action(() => {});
    },
  }));
}

const program = (args: string[], built: string[] = []) =>
  createProgram(commander, {
    name: 'reletan',
    description: 'test',
    version: '0.0.0',
    groups: groups(built),
    argv: ['node', 'reletan', ...args],
  });

describe('the command a command line names', () => {
  it.each([
    [['release', 'start'], 'release'],
    [['--json', 'cache', 'flush', 'dev'], 'cache'],
    [['--config', 'x.json', 'env', 'build'], 'env'],
    [['--cwd', 'release', 'cache'], 'cache'],
    [['help', 'release'], 'release'],
    [['help'], 'help'],
    [['--help'], undefined],
    [[], undefined],
  ])('%j names %s', (args, expected) => {
    expect(namedCommand(args)).toBe(expected);
  });
});

describe('building the program', () => {
  it('builds only the group the command line names', () => {
    const built: string[] = [];
    const result = program(['cache', 'run'], built);
    expect(built).toEqual(['cache']);
    expect(result.commands.find((command) => command.name() === 'cache')?.commands).toHaveLength(1);
    expect(result.commands.find((command) => command.name() === 'release')?.commands).toHaveLength(0);
  });

  it('builds none for the root help, and lists every group with its term', () => {
    const built: string[] = [];
    const help = program([], built).helpInformation();
    expect(built).toEqual([]);
    expect(help).toMatch(/release\s+the release commands/);
    expect(help).toMatch(/env \[options\] <stage>\s+the env commands/);
    expect(help).toMatch(/help \[command\]/);
  });
});

describe("commander's usage errors as JSON", () => {
  it("are the documented error document, code from commander's", () => {
    expect(
      commanderErrorJson({
        code: 'commander.unknownOption',
        exitCode: 1,
        message: "error: unknown option '--bogus'",
      }),
    ).toEqual({
      error: {
        code: 'UNKNOWN_OPTION',
        kind: 'usage',
        message: "unknown option '--bogus'",
        hint: 'run with --help for usage',
      },
    });
    expect(
      commanderErrorJson({ code: 'commander.help', exitCode: 1, message: '(outputHelp)' }).error,
    ).toMatchObject({
      code: 'COMMAND_REQUIRED',
      message: 'a command is needed',
    });
  });
});
