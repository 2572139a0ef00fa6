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
import { router, userMutation, userProcedure } from '../trpc.ts';

export const noteRouter = router({
  create: userMutation
    .input(noteCreateInput)
    .output(noteDto)
    .mutation(({ ctx, input }) => createNote(ctx.em, ctx.userId, input)),
  getByName: userProcedure
    .input(noteKeyInput)
    .output(noteDto)
    .query(({ ctx, input }) => getNoteByName(ctx.em, ctx.userId, input)),
  list: userProcedure
    .input(noteListInput)
    .output(notePage)
    .query(({ ctx, input }) => listNotes(ctx.em, ctx.userId, input)),
  update: userMutation
    .input(noteUpdateInput)
    .output(noteDto)
    .mutation(({ ctx, input }) => updateNote(ctx.em, ctx.userId, input)),
  delete: userMutation
    .input(noteKeyInput)
    .output(noteDeleteResult)
    .mutation(({ ctx, input }) => deleteNote(ctx.em, ctx.userId, input)),
  setSelection: userMutation
    .input(noteSetSelectionInput)
    .output(noteDto)
    .mutation(async ({ ctx, input }) => {
      const [note] = await setSelections(ctx.em, ctx.userId, {
        sessionId: input.sessionId,
        selections: { [input.name]: input.selectStatus },
      });
      return note as NoteDto;
    }),
  setSelections: userMutation
    .input(noteSetSelectionsInput)
    .output(z.array(noteDto))
    .mutation(({ ctx, input }) => setSelections(ctx.em, ctx.userId, input)),
  summary: userProcedure
    .input(noteSessionInput)
    .output(noteSummary)
    .query(({ ctx, input }) => notesSummary(ctx.em, ctx.userId, input.sessionId)),
});
