// A subcommand's arguments parsed by node:util's parseArgs, its errors turned into ERR_USAGE naming the command.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { TaskgateError } from '../errors/taskgate-error.js';

/** node:util's parseArgs, with its errors turned into ERR_USAGE naming the command. */
export function parseCliArgs<O extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  args: string[],
  options: O,
  usage: string,
) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (error) {
    throw new TaskgateError('ERR_USAGE', `taskgate ${command}: ${(error as Error).message}`, `usage: ${usage}`);
  }
}
