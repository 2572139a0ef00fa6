import {
  type NoteDto,
  noteCreateInput,
  noteDeleteResult,
  noteDto,
  noteKeyInput,
  noteListInput,
  notePage,
  noteSessionInput,
  noteSetSelectionInput,
  noteSetSelectionsInput,
  noteSummary,
  noteUpdateInput,
} from '@threadstore/shared';
import { z } from 'zod';
import {
  createNote,
  deleteNote,
  getNoteByName,
  listNotes,
  notesSummary,
  setSelections,
  updateNote,
} from '../services/notes.ts';
import { outputParser, router, userMutation, userProcedure } from '../trpc.ts';

export const noteRouter = router({
  create: userMutation
    .input(noteCreateInput)
    .output(outputParser(noteDto))
    .mutation(({ ctx, input }) => createNote(ctx.em, ctx.userId, input)),
  getByName: userProcedure
    .input(noteKeyInput)
    .output(outputParser(noteDto))
    .query(({ ctx, input }) => getNoteByName(ctx.em, ctx.userId, input)),
  list: userProcedure
    .input(noteListInput)
    .output(outputParser(notePage))
    .query(({ ctx, input }) => listNotes(ctx.em, ctx.userId, input)),
  update: userMutation
    .input(noteUpdateInput)
    .output(outputParser(noteDto))
    .mutation(({ ctx, input }) => updateNote(ctx.em, ctx.userId, input)),
  delete: userMutation
    .input(noteKeyInput)
    .output(outputParser(noteDeleteResult))
    .mutation(({ ctx, input }) => deleteNote(ctx.em, ctx.userId, input)),
  setSelection: userMutation
    .input(noteSetSelectionInput)
    .output(outputParser(noteDto))
    .mutation(async ({ ctx, input }) => {
      const [note] = await setSelections(ctx.em, ctx.userId, {
        sessionId: input.sessionId,
        selections: { [input.name]: input.selectStatus },
      });
      return note as NoteDto;
    }),
  setSelections: userMutation
    .input(noteSetSelectionsInput)
    .output(outputParser(z.array(noteDto)))
    .mutation(({ ctx, input }) => setSelections(ctx.em, ctx.userId, input)),
  summary: userProcedure
    .input(noteSessionInput)
    .output(outputParser(noteSummary))
    .query(({ ctx, input }) => notesSummary(ctx.em, ctx.userId, input.sessionId)),
});
