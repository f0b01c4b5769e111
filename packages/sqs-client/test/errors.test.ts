import { errorFromAnswer, shortErrorCode } from '../src/errors';

describe('SQS error answers', () => {
  it("shorten the JSON protocol's error type to the code callers check", () => {
    expect(shortErrorCode('com.amazonaws.sqs#QueueDoesNotExist')).toBe('QueueDoesNotExist');
    expect(shortErrorCode('QueueDoesNotExist:http://internal.amazon.com/coral/com.amazonaws.sqs/')).toBe('QueueDoesNotExist');
    expect(shortErrorCode('AccessDeniedException')).toBe('AccessDeniedException');
  });

  it('carry the JSON error, the query code and fault from x-amzn-query-error, the status and the request id', () => {
    const error = errorFromAnswer(
      400,
      { 'x-amzn-query-error': 'AWS.SimpleQueueService.NonExistentQueue;Sender', 'x-amzn-requestid': 'req-1' },
      Buffer.from(
        JSON.stringify({
          __type: 'com.amazonaws.sqs#QueueDoesNotExist',
          message: 'The specified queue does not exist.',
        }),
      ),
    );
    expect(error).toMatchObject({
      name: 'QueueDoesNotExist',
      code: 'QueueDoesNotExist',
      message: 'The specified queue does not exist.',
      queryCode: 'AWS.SimpleQueueService.NonExistentQueue',
      fault: 'Sender',
      statusCode: 400,
      requestId: 'req-1',
    });
  });

  it("read a refusal in the query protocol's XML (signature errors come so from some servers)", () => {
    const xml =
      '<ErrorResponse><Errors><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match.</Message></Error></Errors></ErrorResponse>';
    expect(errorFromAnswer(403, {}, Buffer.from(xml))).toMatchObject({
      name: 'SignatureDoesNotMatch',
      message: 'The request signature we calculated does not match.',
      statusCode: 403,
    });
  });

  it('fall back on the error-type header, then the status, when the body says nothing', () => {
    expect(errorFromAnswer(400, { 'x-amzn-errortype': 'com.amazonaws.sqs#RequestThrottled' }, Buffer.alloc(0))).toMatchObject({
      name: 'RequestThrottled',
      statusCode: 400,
    });
    expect(errorFromAnswer(502, {}, Buffer.from('<html>Bad Gateway</html>'))).toMatchObject({
      name: 'InternalFailure',
      statusCode: 502,
      message: 'SQS answered HTTP 502',
    });
    expect(errorFromAnswer(404, {}, Buffer.alloc(0))).toMatchObject({ name: 'Http404', statusCode: 404 });
  });
});
