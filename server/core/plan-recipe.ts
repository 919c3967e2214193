/**
 * A write's planner as data: which of the core's rules (`planWrite`, `planImport` in plan.ts) and their inputs.
 * `plannerFor` makes a planner any store can call as before, carrying its recipe: a store whose transaction
 * runs in another thread (the SQLite store's worker) sends the recipe and plans there, with no round trip to
 * this thread in the middle of its transaction. A planner without a recipe (a test's) still works everywhere.
 *
 * @example
 * store.write(key, writeTarget(message, actor), plannerFor({ kind: 'write', message, actor, limits }));
 */
import { randomUUID } from 'node:crypto';
import type { Chat, ImageKey, WriteMessage } from '../../shared/index.js';
import type { WriteContext, WritePlan } from './write-plan.js';
import { planImport, planWrite, type Actor, type PlanLimits } from './plan.js';

export type PlanRecipe =
  | { kind: 'write'; message: WriteMessage; actor: Actor; limits: PlanLimits }
  | { kind: 'import'; chat: Chat; key: ImageKey; limits: PlanLimits };

type Planner = ((context: WriteContext) => WritePlan) & { readonly recipe?: PlanRecipe };

/** Plans from a recipe, wherever the store's transaction runs. */
export function planFromRecipe(recipe: PlanRecipe, context: WriteContext): WritePlan {
  switch (recipe.kind) {
    case 'write':
      return planWrite(recipe.message, recipe.actor, context, recipe.limits, randomUUID);
    case 'import':
      return planImport(recipe.chat, recipe.key, context, recipe.limits);
  }
}

/** A planner that carries its recipe; only the limits planning reads go in it (a server's `Limits` has many more). */
export function plannerFor(recipe: PlanRecipe): Planner {
  const { MAX_CHATS_PER_IMAGE, MAX_COMMENTS_PER_CHAT, MAX_CHATS_PER_PERSON_PER_IMAGE, MAX_THREAD_BYTES, MAX_IMAGE_BYTES, MAX_SEQ } = recipe.limits;
  const carried = { ...recipe, limits: { MAX_CHATS_PER_IMAGE, MAX_COMMENTS_PER_CHAT, MAX_CHATS_PER_PERSON_PER_IMAGE, MAX_THREAD_BYTES, MAX_IMAGE_BYTES, MAX_SEQ } };
  return Object.assign((context: WriteContext) => planFromRecipe(carried, context), { recipe: carried });
}

/** The recipe a planner carries, if `plannerFor` made it. */
export function recipeOf(planner: (context: WriteContext) => WritePlan): PlanRecipe | undefined {
  return (planner as Planner).recipe;
}
