using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Polly;
using Pymar.Hosting.Diagnostics;
using Pymar.Hosting.Messaging;
using Pymar.Hosting.Resilience;
using Pymar.Hosting.Transport;

namespace Pymar.Hosting.Client;

/// <summary>
/// One job's slices on the producer: publishes them in a sliding window, tries failed ones again per policy, and
/// folds the partial values in slice order as they arrive (a slice answered twice counts once).
/// </summary>
internal sealed class SliceJob<TItem, TValue> : ISliceJob
{
    /// <summary>How many replies of one slice whose value cannot be read are dropped (each asking again) before the job fails.</summary>
    private const int MaxUnreadableValues = 3;

    [ThreadStatic]
    private static SliceRequest? t_request;

    private readonly JobPlan<TItem, TValue> _plan;
    private readonly IPymarTransport _transport;
    private readonly ILogger _logger;
    private readonly long? _expiresAtUnixMilliseconds;
    private readonly Channel<Posted> _replies = Channel.CreateUnbounded<Posted>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ResiliencePipeline<SliceReply>? _retry;
    private readonly int[] _attempts;
    // The attempt each slice's latest retry was published under (0: none): an error of an attempt before it is stale,
    // while an error of a straggler's copy or of the original beside a copy still counts.
    private readonly int[] _retriedAttempt;
    private readonly bool[] _finished;
    private readonly TaskCompletionSource<SliceReply>?[] _retrying;
    private readonly OrderedFold<TValue> _fold;
    private readonly List<SliceFailure> _failures = [];
    private readonly StragglerLedger _ledger;
    private readonly TimeProvider _time;
    private readonly int[] _unreadableValues;

    // Slices with a publish the transport confirmed (asked for again after the reply inbox was rebuilt).
    private readonly bool[] _confirmed;
    private int _published;
    private readonly SlicePublishing _publishing;
    private CancellationToken _jobToken;
    private int _speculated;
    private int _copiesWaiting;

    public SliceJob(JobPlan<TItem, TValue> plan, IPymarTransport transport, TimeProvider time, ILogger logger)
    {
        _plan = plan;
        _transport = transport;
        _logger = logger;
        _time = time;
        _unreadableValues = new int[plan.Windows.Count];
        _confirmed = new bool[plan.Windows.Count];
        _publishing = new SlicePublishing(
            plan.Windows.Count,
            new BrokerOutage(transport, time, plan.Options.ReconnectTimeout, plan.JobId, plan.ProducerName, logger),
            PublishAsync,
            index =>
            {
                if (!Volatile.Read(ref _confirmed[index]))
                {
                    Volatile.Write(ref _confirmed[index], true);
                    Interlocked.Increment(ref _published);
                }
            });

        _expiresAtUnixMilliseconds = plan.Timeout is { } timeout ? time.GetUtcNow().Add(timeout).ToUnixTimeMilliseconds() : null;
        _attempts = new int[plan.Windows.Count];
        _retriedAttempt = new int[plan.Windows.Count];
        _finished = new bool[plan.Windows.Count];
        _ledger = new StragglerLedger(_finished, plan.Options, time);
        _retrying = new TaskCompletionSource<SliceReply>?[plan.Windows.Count];
        _fold = new OrderedFold<TValue>(plan.Producer.Reduce, plan.Windows.Count, plan.Options.FoldInArrivalOrder);
        Array.Fill(_attempts, 1);
        _retry = Backoff.Retries<SliceReply>(time, plan.RetryCount, plan.Options.RetryBackoff, static reply => reply.Error is not null, (failed, retry, delay) =>
            ClientLog.Retrying(_logger, failed.SliceIndex, _plan.JobId, _plan.ProducerName, retry + 1, delay, failed.Error!.Message));
    }

    public int Completed { get; private set; }

    /// <summary>How many slices the transport has confirmed at least once.</summary>
    public int Published => Volatile.Read(ref _published);

    /// <summary>
    /// The straggler ledger in one line, for the log when the job times out: the unanswered slices, how often each was
    /// copied, how long ago the last answer came, the straggler threshold and the copies still waiting for a confirm.
    /// </summary>
    public string DescribeUnanswered() => string.Create(CultureInfo.InvariantCulture,
        $"{_ledger.Describe()}; {Volatile.Read(ref _published)} of {Total} first publishes confirmed; {Volatile.Read(ref _copiesWaiting)} copies waiting for a confirm; transport connected: {_transport.IsConnected}");

    public int Total => _plan.Windows.Count;

    /// <summary>How many times slices were published again after a failure (copies of stragglers not counted).</summary>
    public int Retries => _attempts.Sum() - _attempts.Length - Speculated;

    /// <summary>How many copies of straggling slices were published.</summary>
    public int Speculated => Volatile.Read(ref _speculated);

    /// <summary>The job's progress events; null when events are off.</summary>
    public JobEvents? Events { get; init; }

    public bool TryPost(SliceReply reply) => _replies.Writer.TryWrite(new Posted(reply, Final: false));

    /// <summary>
    /// Publishes again each unanswered slice whose publish was confirmed: its answer may have been lost with the reply
    /// inbox. A slice not yet published, or whose publish failed, is left to the publishing loop, which publishes it
    /// once the connection is back.
    /// </summary>
    public Task RepublishMissingAsync(CancellationToken cancellationToken) =>
        _publishing.PublishAgainAsync(
            Enumerable.Range(0, _finished.Length).Where(i => !Volatile.Read(ref _finished[i]) && Volatile.Read(ref _confirmed[i])),
            i => Volatile.Read(ref _attempts[i]),
            cancellationToken);

    public async Task<MapResult<TValue>> RunAsync(bool collectFailures, CancellationToken cancellationToken)
    {
        // Replies are folded while later slices are still being published (and confirmed): a publish failure ends
        // the job through the reply channel.
        _ledger.Started();
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _jobToken = ended.Token;
        _ = PublishInBackgroundAsync(ended.Token);
        if (_plan.Options.SpeculateStragglers)
        {
            _ = WatchStragglersAsync(ended.Token);
        }

        try
        {
            return await FoldAsync(collectFailures, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Synchronous: the callbacks only stop this job's own publisher and watch, and an asynchronous cancel
            // would make the caller's exception wait for a thread-pool thread first.
            ended.Cancel();
        }
    }

    private async Task<MapResult<TValue>> FoldAsync(bool collectFailures, CancellationToken cancellationToken)
    {
        while (Completed < Total)
        {
            Posted posted;
            try
            {
                posted = await _replies.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ChannelClosedException ex) when (ex.InnerException is { } publishError)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(publishError);
                throw;
            }

            var (reply, final) = posted;
            var index = reply.SliceIndex;
            if (index < 0 || index >= Total || _finished[index])
            {
                ClientLog.IgnoredReply(_logger, index, _plan.JobId, "duplicate or out of range");
                continue;
            }

            var value = default(TValue)!;
            if (reply.Error is null && !TryReadValue(reply, out value))
            {
                continue;
            }

            NoteAnswer(index, reply);

            if (reply.Error is { } error)
            {
                if (!final && !TakeFailure(reply, cancellationToken))
                {
                    continue;
                }

                var failure = new SliceFailure(index, _plan.Windows[index], error, Volatile.Read(ref _attempts[index]));
                if (!collectFailures)
                {
                    throw new SliceFailedException(_plan.ProducerName, _plan.JobId, index, failure.Window, error, failure.Attempts);
                }

                _failures.Add(failure);
                _fold.Skip(index);
            }
            else
            {
                _fold.Add(index, value);
                _retrying[index]?.TrySetResult(reply);
            }

            Volatile.Write(ref _finished[index], true);
            Completed++;
            if (_ledger.WasCopied(index) && Completed < Total)
            {
                // Another copy of this slice may be running or waiting on some worker: tell the workers to drop it.
                // (The end of the job tells them anyway, so the last slice needs no notice of its own.)
                _ = CancelOtherCopiesAsync(index);
            }

            _plan.Options.Progress?.Report(new MapProgress(Completed, Total));
            Events?.Progress(Completed, Retries, Speculated);
        }

        return new MapResult<TValue>(_fold.Value, _fold.HasValue, Total, _failures);
    }

    /// <summary>
    /// Takes an error reply that is not final: false when it is stale or a retry will answer for the slice, true
    /// when the slice has failed for good.
    /// </summary>
    private bool TakeFailure(SliceReply reply, CancellationToken cancellationToken)
    {
        var index = reply.SliceIndex;
        if (reply.Attempt != 0 && reply.Attempt < Volatile.Read(ref _retriedAttempt[index]))
        {
            ClientLog.IgnoredReply(_logger, index, _plan.JobId, "error of an earlier attempt");
            return false;
        }

        if (_retry is null)
        {
            return true;
        }

        // Until the retry is published, the slice waits for its backoff, not for a worker: no copy of it.
        _ledger.BackingOff(index);
        if (_retrying[index] is { } attempt)
        {
            attempt.TrySetResult(reply);
        }
        else
        {
            _retrying[index] = new TaskCompletionSource<SliceReply>(TaskCreationOptions.RunContinuationsAsynchronously);
            _ = RetryAsync(reply, _retry, cancellationToken);
        }

        return false;
    }

    /// <summary>Asks again for a failed slice per the retry pipeline; posts its last answer as final.</summary>
    private async Task RetryAsync(SliceReply failed, ResiliencePipeline<SliceReply> retry, CancellationToken cancellationToken)
    {
        var index = failed.SliceIndex;
        var first = true;
        try
        {
            var last = await retry.ExecuteAsync(
                async ct =>
                {
                    if (first)
                    {
                        // The attempt that already failed: the pipeline waits, then asks again.
                        first = false;
                        return failed;
                    }

                    var answer = new TaskCompletionSource<SliceReply>(TaskCreationOptions.RunContinuationsAsynchronously);
                    _retrying[index] = answer;
                    var attempt = Interlocked.Increment(ref _attempts[index]);
                    Volatile.Write(ref _retriedAttempt[index], attempt);
                    await _publishing.PublishSurvivingLossAsync(index, attempt, ct).ConfigureAwait(false);
                    return await answer.Task.WaitAsync(ct).ConfigureAwait(false);
                },
                cancellationToken).ConfigureAwait(false);
            _replies.Writer.TryWrite(new Posted(last, Final: true));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The job ended meanwhile.
        }
        catch (Exception ex)
        {
            // The job cannot go on without this slice: fail it with the publishing error.
            _replies.Writer.TryComplete(ex);
        }
    }

    private async Task PublishInBackgroundAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _publishing.PublishAllAsync(cancellationToken).ConfigureAwait(false);
            ClientLog.Published(_logger, _plan.JobId, _plan.ProducerName, Total, _plan.Windows[^1].End, _transport.Description);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The job ended (or its caller stopped waiting) meanwhile.
        }
        catch (Exception ex)
        {
            _replies.Writer.TryComplete(ex);
        }
    }

    /// <summary>Records the answer for the straggler rule; counts a won speculation (the answer came from a copy).</summary>
    private void NoteAnswer(int index, SliceReply reply)
    {
        if (_ledger.Answered(index, reply))
        {
            PymarTelemetry.SpeculationsWon.Add(1, new KeyValuePair<string, object?>("pymar.producer", _plan.ProducerName));
        }
    }

    /// <summary>Tells the workers to cancel or drop the other copies of an answered slice; best effort.</summary>
    private async Task CancelOtherCopiesAsync(int index)
    {
        if (_transport is not ISliceCancellation control)
        {
            return;
        }

        try
        {
            await control.PublishSliceCancelledAsync(_plan.JobId, index, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The losing copy then runs out; its answer is dropped as a duplicate.
            ClientLog.JobEndedNotSent(_logger, _plan.JobId, ex.Message);
        }
    }

    /// <summary>
    /// Publishes a copy of each straggler the ledger finds (see <see cref="StragglerLedger"/>), looking ten times per
    /// straggler floor. Whichever answer arrives first is folded, the workers are told to drop the other copies, and a
    /// late answer is dropped as a duplicate.
    /// </summary>
    private async Task WatchStragglersAsync(CancellationToken cancellationToken)
    {
        var floor = _plan.Options.StragglerFloor;
        var tick = TimeSpan.FromTicks(Math.Clamp(floor.Ticks / 10, TimeSpan.FromMilliseconds(20).Ticks, TimeSpan.FromMilliseconds(250).Ticks));
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(tick, _time, cancellationToken).ConfigureAwait(false);
                foreach (var index in _ledger.FindStragglers(_transport.IsConnected))
                {
                    ClientLog.Speculating(_logger, index, _plan.JobId, _plan.ProducerName);
                    PymarTelemetry.SlicesSpeculated.Add(1, new KeyValuePair<string, object?>("pymar.producer", _plan.ProducerName));
                    var attempt = Interlocked.Increment(ref _attempts[index]);
                    _ledger.Copying(index, attempt);

                    Events?.Speculated(Interlocked.Increment(ref _speculated));

                    // Not awaited: a copy whose confirm is slow to come (or never comes, from a broker cut off from
                    // the queue's leader) must not hold back the other copies, nor the watch's next look.
                    _ = PublishCopyAsync(index, attempt, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The job ended.
        }
    }

    /// <summary>
    /// Publishes one copy of a straggler. A copy that cannot be published (a lost connection) leaves the original in
    /// place: it is published on the next tick with the transport connected, and does not count against the slice's
    /// copies.
    /// </summary>
    private async Task PublishCopyAsync(int index, int attempt, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _copiesWaiting);
        try
        {
            await PublishAsync(index, attempt, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The job ended.
        }
        catch (Exception ex)
        {
            ClientLog.RepublishFailed(_logger, ex.Message);
            _ledger.CopyFailed(index);
        }
        finally
        {
            Interlocked.Decrement(ref _copiesWaiting);
        }
    }

    private ValueTask PublishAsync(int index, int attempt, CancellationToken cancellationToken)
    {
        var window = _plan.Windows[index];

        // The request only lives while it is written, on this thread: each thread writes its requests into one object.
        var request = t_request ??= new SliceRequest();
        request.Version = SliceRequest.CurrentVersion;
        request.JobId = _plan.JobId;
        request.SliceIndex = index;
        request.Attempt = attempt;
        request.Producer = _plan.ProducerName;
        request.DataSource = _plan.DataSourceName;
        request.Offset = window.Offset;
        request.Limit = window.Limit;
        request.Items = _plan.Source.Items is { } items ? ItemsOf(items, window) : null;
        request.ReplyTo = _plan.ReplyTo;
        request.ExpiresAtUnixMilliseconds = _expiresAtUnixMilliseconds;
        byte[] body;
        try
        {
            body = MessageCodec.WriteRequest(request);
        }
        finally
        {
            // Not kept past the write: the items belong to the job.
            request.Items = null;
        }

        if (body.LongLength > _transport.MaxMessageBytes)
        {
            throw new PymarConfigurationException(string.Create(CultureInfo.InvariantCulture,
                $"Slice {index} {window} of producer '{_plan.ProducerName}' is {body.LongLength} bytes, over the transport's limit of {_transport.MaxMessageBytes} bytes. Use a registered data source instead of in-memory items, or more slices."));
        }

        var properties = new SliceMessageProperties(Correlation.Create(_plan.JobId, index), _plan.ReplyTo, _plan.Timeout) { PropagationHeaders = _plan.PropagationHeaders };
        PymarTelemetry.SlicesPublished.Add(1, new KeyValuePair<string, object?>("pymar.producer", _plan.ProducerName));
        _ledger.Publishing(index, attempt);

        return _transport.PublishSliceAsync(_plan.ProducerName, body, properties, cancellationToken);
    }

    /// <summary>
    /// The in-memory items of one window, written when the message is. A method of its own, so that a job over a data
    /// source does not allocate the closure with each publish.
    /// </summary>
    private static JsonPayload ItemsOf(IReadOnlyList<TItem> items, SliceWindow window) =>
        JsonPayload.Writing(writer => WriteItems(writer, items, window));

    /// <summary>Writes the in-memory items of one window as a JSON array.</summary>
    private static void WriteItems(Utf8JsonWriter writer, IReadOnlyList<TItem> items, SliceWindow window)
    {
        writer.WriteStartArray();
        for (var i = (int)window.Offset; i < window.End; i++)
        {
            JsonSerializer.Serialize(writer, items[i], PymarSerializer.Options);
        }

        writer.WriteEndArray();
    }

    /// <summary>
    /// Reads a reply's partial value. One that cannot be read (a worker with another build of the producer, a damaged
    /// message) is dropped and the slice asked for again; only a slice whose value stays unreadable fails the job.
    /// </summary>
    private bool TryReadValue(SliceReply reply, out TValue value)
    {
        try
        {
            value = reply.Value!.Deserialize<TValue>()!;
            return true;
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            var index = reply.SliceIndex;
            if (++_unreadableValues[index] > MaxUnreadableValues)
            {
                throw new MalformedMessageException(string.Create(CultureInfo.InvariantCulture,
                    $"The partial value of slice {index} of producer '{_plan.ProducerName}' cannot be read as {typeof(TValue).Name} ({_unreadableValues[index]} replies): {ex.Message}"), ex);
            }

            ClientLog.UnreadableValue(_logger, index, _plan.JobId, _plan.ProducerName, reply.WorkerId, typeof(TValue).Name, ex.Message);
            _ = ReissueAsync(index, _jobToken);
            value = default!;
            return false;
        }
    }

    /// <summary>Publishes a slice again under a new attempt (its earlier answer was lost or unusable); best effort.</summary>
    private async Task ReissueAsync(int index, CancellationToken cancellationToken)
    {
        try
        {
            await PublishAsync(index, Interlocked.Increment(ref _attempts[index]), cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The job ended meanwhile.
        }
        catch (Exception ex)
        {
            // The straggler watch (or the job's timeout) still covers the slice.
            ClientLog.RepublishFailed(_logger, ex.Message);
        }
    }

    /// <summary>A reply handed to the job: by the reply router, or as the last answer of a slice's retries.</summary>
    private readonly record struct Posted(SliceReply Reply, bool Final);

}
