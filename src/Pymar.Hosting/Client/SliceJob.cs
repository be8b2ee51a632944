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
    /// <summary>
    /// How many copies of one straggling slice are published by the straggler rule (a copy may land on the same frozen
    /// worker); past them, a slice still unanswered is published again only as lost, each time after twice the wait.
    /// </summary>
    private const int MaxCopies = 3;

    /// <summary>The longest wait of a lost slice: the straggler threshold times 2 to this power.</summary>
    private const int MaxLostShift = 6;

    /// <summary>The least wait before a copy that straggles too is copied again.</summary>
    private static readonly TimeSpan MinCopyWait = TimeSpan.FromMilliseconds(100);

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
    private readonly TimeProvider _time;
    private readonly long[] _publishedAt;
    private readonly long[] _sequence;
    private readonly long[] _firstSequence;
    private readonly Dictionary<(int Slice, int Attempt), long> _laterSequences = [];
    private readonly bool[] _backingOff;
    private readonly int[] _copies;
    private readonly int[] _firstCopyAttempt;
    private readonly int[] _unreadableValues;

    // Slices with a publish the transport confirmed (asked for again after the reply inbox was rebuilt), and slices
    // whose copy could not be published (copied again on the watch's next tick once the transport is connected).
    private readonly bool[] _confirmed;
    private int _published;
    private readonly bool[] _copyDue;
    private readonly SlicePublishing _publishing;
    private CancellationToken _jobToken;
    private readonly List<long> _answerTimes;
    private int _sortedAnswerTimes;
    private long _medianAnswerTime;
    private long[] _heldSince = [];
    private int _heldSinceAnswers;
    private readonly List<(long Sequence, long StartedAt)> _answerStarts;
    private readonly Lock _ledger = new();
    private long _nextSequence;
    private long _lastAnswerAt;
    private bool _speculating;
    private int _speculated;
    private int _copiesWaiting;

    public SliceJob(JobPlan<TItem, TValue> plan, IPymarTransport transport, TimeProvider time, ILogger logger)
    {
        _plan = plan;
        _transport = transport;
        _logger = logger;
        _time = time;
        _publishedAt = new long[plan.Windows.Count];
        _sequence = new long[plan.Windows.Count];
        _firstSequence = new long[plan.Windows.Count];
        _backingOff = new bool[plan.Windows.Count];
        _copies = new int[plan.Windows.Count];
        _firstCopyAttempt = new int[plan.Windows.Count];
        _unreadableValues = new int[plan.Windows.Count];
        _confirmed = new bool[plan.Windows.Count];
        _copyDue = new bool[plan.Windows.Count];
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

        // One entry per answer: sized once, so a large job's ledger does not grow by copies (each a large-object-heap array).
        _answerTimes = new List<long>(plan.Windows.Count);
        _answerStarts = new List<(long Sequence, long StartedAt)>(plan.Windows.Count);
        _expiresAtUnixMilliseconds = plan.Timeout is { } timeout ? time.GetUtcNow().Add(timeout).ToUnixTimeMilliseconds() : null;
        _attempts = new int[plan.Windows.Count];
        _retriedAttempt = new int[plan.Windows.Count];
        _finished = new bool[plan.Windows.Count];
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
    public string DescribeUnanswered()
    {
        lock (_ledger)
        {
            var now = _time.GetTimestamp();
            var unanswered = new List<int>();
            var byCopies = new int[MaxCopies + 2];
            for (var i = 0; i < Total; i++)
            {
                if (!Volatile.Read(ref _finished[i]))
                {
                    unanswered.Add(i);
                    byCopies[Math.Min(_copies[i], MaxCopies + 1)]++;
                }
            }

            var threshold = Math.Max(_medianAnswerTime * _plan.Options.StragglerMultiple, _plan.Options.StragglerFloor.TotalSeconds * _time.TimestampFrequency);
            return string.Create(CultureInfo.InvariantCulture,
                $"{unanswered.Count} unanswered (first {string.Join(", ", unanswered.Take(10))}); by copies 0/1/2/3/more: {string.Join("/", byCopies)}; " +
                $"{Volatile.Read(ref _published)} of {Total} first publishes confirmed; last answer {(now - _lastAnswerAt) / (double)_time.TimestampFrequency:0.0} s ago; " +
                $"straggler threshold {threshold / _time.TimestampFrequency:0.00} s; {Volatile.Read(ref _copiesWaiting)} copies waiting for a confirm; transport connected: {_transport.IsConnected}");
        }
    }

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
        _lastAnswerAt = _time.GetTimestamp();
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
            if (Volatile.Read(ref _copies[index]) > 0 && Completed < Total)
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
        Volatile.Write(ref _backingOff[index], true);
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

    /// <summary>
    /// Records when a slice was answered and how long its worker computed it, for the straggler rule; counts a won
    /// speculation (the answer came from a copy).
    /// </summary>
    private void NoteAnswer(int index, SliceReply reply)
    {
        var now = _time.GetTimestamp();
        lock (_ledger)
        {
            _lastAnswerAt = now;
            var computed = reply.ComputeMilliseconds is { } ms && ms >= 0 ? (long)(ms / 1000 * _time.TimestampFrequency) : (long?)null;
            if (computed is { } compute)
            {
                _answerTimes.Add(compute);
            }
            else if (_publishedAt[index] != 0)
            {
                // An older worker does not say: the time from publish to answer, which also counts the queue.
                _answerTimes.Add(now - _publishedAt[index]);
            }

            // The slice that answered left the queue after every slice published before it, so those were taken
            // by some worker no later than when this one started.
            // Filed under the publish that answered (the original, a copy or a retry), found by its attempt: an
            // original that answers after a copy was published says nothing about what was published after it.
            var sequence = reply.Attempt > 1 && _laterSequences.TryGetValue((index, reply.Attempt), out var later) ? later : _firstSequence[index];
            _answerStarts.Add((sequence, now - (computed ?? 0)));
            _speculating = false;
            if (_firstCopyAttempt[index] > 0 && reply.Error is null && reply.Attempt >= _firstCopyAttempt[index])
            {
                PymarTelemetry.SpeculationsWon.Add(1, new KeyValuePair<string, object?>("pymar.producer", _plan.ProducerName));
            }
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
    /// Publishes a copy of each straggler. The threshold is <see cref="MapOptions.StragglerMultiple"/> times the
    /// median time workers took to compute the slices answered so far, and at least
    /// <see cref="MapOptions.StragglerFloor"/>. An unanswered slice is a straggler when a slice published after it
    /// started longer ago than the threshold (so a worker has held it at least that long: this catches a frozen
    /// worker while the others still have work, before they run dry), or when no slice at all has been answered for
    /// the threshold and it was published longer ago than that (a lost slice, or the last ones). A copy that
    /// straggles too (a later publish started a median slice time ago, and it is still unanswered: it may have gone
    /// to the same frozen worker) is copied again, up to three copies; a slice still unanswered after them is lost (its
    /// copies vanished too) and is published again after twice the threshold, then four times, and so on (at most 64
    /// times). Whichever answer arrives first is folded, the workers
    /// are told to drop the other copies, and a late answer is dropped as a duplicate.
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
                foreach (var index in FindStragglers())
                {
                    ClientLog.Speculating(_logger, index, _plan.JobId, _plan.ProducerName);
                    PymarTelemetry.SlicesSpeculated.Add(1, new KeyValuePair<string, object?>("pymar.producer", _plan.ProducerName));
                    var attempt = Interlocked.Increment(ref _attempts[index]);
                    lock (_ledger)
                    {
                        if (_firstCopyAttempt[index] == 0)
                        {
                            _firstCopyAttempt[index] = attempt;
                        }
                    }

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
            lock (_ledger)
            {
                _copies[index]--;
                _copyDue[index] = true;
            }
        }
        finally
        {
            Interlocked.Decrement(ref _copiesWaiting);
        }
    }

    private List<int> FindStragglers()
    {
        var found = new List<int>();
        var now = _time.GetTimestamp();
        lock (_ledger)
        {
            if (_transport.IsConnected)
            {
                for (var i = 0; i < Total; i++)
                {
                    if (_copyDue[i])
                    {
                        _copyDue[i] = false;
                        if (!Volatile.Read(ref _finished[i]))
                        {
                            _copies[i]++;
                            _publishedAt[i] = now;
                            found.Add(i);
                        }
                    }
                }

                if (found.Count > 0)
                {
                    return found;
                }
            }

            if (_answerTimes.Count == 0)
            {
                // Nothing answered yet, so no slice time to compare with: the slices may never have reached a worker
                // (a queue purged, a lost publish), or the workers are only slow to start. Only the oldest unanswered
                // slice is copied, once the floor has passed, each further copy waiting twice as long: its answer
                // starts the rule above, which then copies whatever was published before it and is still missing.
                var floorTicks = (long)(_plan.Options.StragglerFloor.TotalSeconds * _time.TimestampFrequency);
                for (var i = 0; i < Total; i++)
                {
                    if (Volatile.Read(ref _finished[i]) || _publishedAt[i] == 0)
                    {
                        continue;
                    }

                    if (IsCandidate(i) && now - _publishedAt[i] >= floorTicks << _copies[i])
                    {
                        _copies[i]++;
                        _publishedAt[i] = now;
                        found.Add(i);
                    }

                    break;
                }

                return found;
            }

            // Sorted again only when the answers grew by an eighth since the last sort: the watcher looks every tick,
            // and sorting a million answer times every tick would cost more than the job.
            if (_answerTimes.Count >= _sortedAnswerTimes + Math.Max(1, _sortedAnswerTimes / 8))
            {
                _answerTimes.Sort();
                _sortedAnswerTimes = _answerTimes.Count;
                _medianAnswerTime = _answerTimes[(_answerTimes.Count - 1) / 2];
            }

            var median = _medianAnswerTime;
            var threshold = Math.Max((long)(median * _plan.Options.StragglerMultiple), (long)(_plan.Options.StragglerFloor.TotalSeconds * _time.TimestampFrequency));

            // A copy is of a slice already known to straggle, and may itself have gone to the frozen worker (which
            // still has room in its prefetch): it is copied again once a later publish started a median slice time
            // ago without it being answered.
            var copyThreshold = Math.Max(median, (long)(MinCopyWait.TotalSeconds * _time.TimestampFrequency));

            // Cheap first: a slice cannot have been held longer than it has been published.
            var any = false;
            for (var i = 0; i < Total && !any; i++)
            {
                any = (IsCandidate(i) && now - _publishedAt[i] >= (_copies[i] > 0 ? Math.Min(copyThreshold, threshold) : threshold)) || IsLost(i, now, threshold);
            }

            if (!any)
            {
                return found;
            }

            // Since when each publish is known to have left the queue: the earliest start of a later publish answered.
            // Kept from tick to tick: only the answers that came since the last look are added, then the minimum over
            // the later publishes is carried down again (a minimum over more answers is still the right minimum).
            var heldSince = HeldSince();

            // The job stalled (no answer for the threshold): then, and from then on, anything published that long ago
            // is copied, and a copy that straggles too is copied again (it may have gone to the same frozen worker).
            var stalled = _speculating || now - _lastAnswerAt >= threshold;
            for (var i = 0; i < Total; i++)
            {
                var held = _copies[i] > 0 ? copyThreshold : threshold;
                if ((IsCandidate(i) && ((stalled && now - _publishedAt[i] >= threshold)
                    || (now - _publishedAt[i] >= held && heldSince[_sequence[i]] != long.MaxValue && now - heldSince[_sequence[i]] >= held)))
                    || IsLost(i, now, threshold))
                {
                    // The copy's own wait starts now (its publish files its sequence); one that also straggles is copied again.
                    _copies[i]++;
                    _publishedAt[i] = now;
                    found.Add(i);
                }
            }

            _speculating |= found.Count > 0 && stalled;
        }

        return found;
    }

    /// <summary>
    /// For each publish (by sequence), the earliest start of a later publish that was answered: the slice had left the
    /// queue by then. Called under the ledger's lock.
    /// </summary>
    private long[] HeldSince()
    {
        var length = (int)_nextSequence + 1;
        if (_heldSince.Length < length)
        {
            var grown = new long[Math.Max(length, _heldSince.Length * 2)];
            Array.Fill(grown, long.MaxValue);
            _heldSince.CopyTo(grown, 0);
            _heldSince = grown;
        }

        for (; _heldSinceAnswers < _answerStarts.Count; _heldSinceAnswers++)
        {
            var (sequence, startedAt) = _answerStarts[_heldSinceAnswers];
            var before = (int)sequence - 1;
            if (before >= 0 && startedAt < _heldSince[before])
            {
                _heldSince[before] = startedAt;
            }
        }

        for (var k = length - 2; k >= 0; k--)
        {
            _heldSince[k] = Math.Min(_heldSince[k], _heldSince[k + 1]);
        }

        return _heldSince;
    }

    /// <summary>
    /// Unanswered, published, not waiting for a retry's backoff, and not copied too often yet. A retry that was
    /// published is watched like any publish, so a frozen worker holding it is copied around too.
    /// </summary>
    private bool IsCandidate(int i) =>
        !Volatile.Read(ref _finished[i]) && _copies[i] < MaxCopies && _publishedAt[i] != 0 && !Volatile.Read(ref _backingOff[i]);

    /// <summary>
    /// A slice past its copies and still unanswered (each copy lost on its way, as replies are while a cluster is
    /// split): published again once its last publish is older than the threshold times 2, 4, 8 … (at most 64).
    /// </summary>
    private bool IsLost(int i, long now, long threshold) =>
        !Volatile.Read(ref _finished[i]) && _copies[i] >= MaxCopies && _publishedAt[i] != 0 && !Volatile.Read(ref _backingOff[i])
        && now - _publishedAt[i] >= threshold << Math.Min(_copies[i] - MaxCopies + 1, MaxLostShift);

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
        lock (_ledger)
        {
            // Each publish (first, copy, retry, re-issue) starts the slice's wait anew, under its own sequence.
            var sequence = _nextSequence++;
            _sequence[index] = sequence;
            _publishedAt[index] = _time.GetTimestamp();
            if (attempt == 1)
            {
                _firstSequence[index] = sequence;
            }
            else
            {
                _laterSequences[(index, attempt)] = sequence;
                _backingOff[index] = false;
            }
        }

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
