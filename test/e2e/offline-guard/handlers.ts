// Two exports of one module: one whose promise rejects, one that answers normally.
export const rejects = async () => {
  throw new Error('failed inside the handler at /work/secret/handler.ts');
};

export const answers = async () => ({
  statusCode: 200,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ ok: true }),
});
