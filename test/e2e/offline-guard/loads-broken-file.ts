// Loads, at import, a file with a syntax error that the test writes (a bundle esbuild could not
// have built, so it comes from outside the bundle): node throws a SyntaxError while loading.
require(String(process.env.GUARD_TEST_BROKEN_FILE));

export const handler = async () => ({ statusCode: 200, body: '{}' });
