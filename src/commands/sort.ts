/**
 * sort commands (work in progress: this group has no commands yet).
 */
import type { HandlerMap } from './table.js';

export const sortCommands: HandlerMap = {};
