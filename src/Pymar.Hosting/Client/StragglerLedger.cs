using System.Globalization;
using Pymar.Hosting.Messaging;

namespace Pymar.Hosting.Client;

/// <summary>
/// The straggler rule of one job: what was published when, what was answered and how long its worker computed it, and
/// from that which unanswered slices to copy. The threshold is <see cref="MapOptions.StragglerMultiple"/> times the
/// median time workers took to compute the slices answered so far, and at least <see cref="MapOptions.StragglerFloor"/>.
/// An unanswered slice is a straggler when a slice published after it started longer ago than the threshold (so a
/// worker has held it at least that long: this catches a frozen worker while the others still have work, before they
/// run dry), or when no slice at all has been answered for the threshold and it was published longer ago than that (a
/// lost slice, or the last ones). A copy that straggles too (a later publish started a median slice time ago, and it is
/// still unanswered: it may have gone to the same frozen worker) is copied again, up to three copies; a slice still
/// unanswered after them is lost (its copies vanished too) and is published again after twice the threshold, then four
/// times, and so on (at most 64 times). Before any answer, only the oldest unanswered slice is copied, once the floor
/// has passed, each further copy waiting twice as long. Thread-safe: the job's publishes, its fold and its watch all
/// write here.
/// </summary>
internal sealed class StragglerLedger
{
    /// <summary>
    /// How many copies of one straggling slice are published by the straggler rule (a copy may land on the same frozen
    /// worker); past them, a slice still unanswered is published again only as lost, each time after twice the wait.
    /// </summary>
    public const int MaxCopies = 3;

    /// <summary>The longest wait of a lost slice: the straggler threshold times 2 to this power.</summary>
    private const int MaxLostShift = 6;

    /// <summary>The least wait before a copy that straggles too is copied again.</summary>
    private static readonly TimeSpan MinCopyWait = TimeSpan.FromMilliseconds(100);

    private readonly TimeProvider _time;
    private readonly double _multiple;
    private readonly long _floor;
    private readonly bool[] _finished;
    private readonly long[] _publishedAt;
    private readonly long[] _sequence;
    private readonly long[] _firstSequence;
    private readonly Dictionary<(int Slice, int Attempt), long> _laterSequences = [];
    private readonly bool[] _backingOff;
    private readonly int[] _copies;
    private readonly int[] _firstCopyAttempt;
    private readonly bool[] _copyDue;
    private readonly List<long> _answerTimes;
    private readonly List<(long Sequence, long StartedAt)> _answerStarts;
    private readonly Lock _lock = new();
    private int _sortedAnswerTimes;
    private long _medianAnswerTime;
    private long[] _heldSince = [];
    private int _heldSinceAnswers;
    private long _nextSequence;
    private long _lastAnswerAt;
    private bool _speculating;

    /// <summary>A ledger over the job's answered slices (<paramref name="finished"/>, read here and written by the job only).</summary>
    public StragglerLedger(bool[] finished, MapOptions options, TimeProvider time)
    {
        var total = finished.Length;
        _finished = finished;
        _time = time;
        _multiple = options.StragglerMultiple;
        _floor = (long)(options.StragglerFloor.TotalSeconds * time.TimestampFrequency);
        _publishedAt = new long[total];
        _sequence = new long[total];
        _firstSequence = new long[total];
        _backingOff = new bool[total];
        _copies = new int[total];
        _firstCopyAttempt = new int[total];
        _copyDue = new bool[total];

        // One entry per answer: sized once, so a large job's ledger does not grow by copies (each a large-object-heap array).
        _answerTimes = new List<long>(total);
        _answerStarts = new List<(long Sequence, long StartedAt)>(total);
        _lastAnswerAt = time.GetTimestamp();
    }

    /// <summary>The job starts: the wait for a first answer starts now.</summary>
    public void Started()
    {
        lock (_lock)
        {
            _lastAnswerAt = _time.GetTimestamp();
        }
    }

    /// <summary>Whether the straggler rule copied <paramref name="index"/> at least once.</summary>
    public bool WasCopied(int index) => Volatile.Read(ref _copies[index]) > 0;

    /// <summary>
    /// A publish of <paramref name="index"/> (first, copy, retry, re-issue) is about to go out: its wait starts anew,
    /// under its own sequence.
    /// </summary>
    public void Publishing(int index, int attempt)
    {
        lock (_lock)
        {
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
    }

    /// <summary>A failed slice waits for its retry's backoff, not for a worker: no copy of it until the retry is published.</summary>
    public void BackingOff(int index) => Volatile.Write(ref _backingOff[index], true);

    /// <summary>The copy of <paramref name="index"/> under <paramref name="attempt"/> is being published.</summary>
    public void Copying(int index, int attempt)
    {
        lock (_lock)
        {
            if (_firstCopyAttempt[index] == 0)
            {
                _firstCopyAttempt[index] = attempt;
            }
        }
    }

    /// <summary>
    /// A copy could not be published (a lost connection): it is published on the next look with the transport
    /// connected, and does not count against the slice's copies.
    /// </summary>
    public void CopyFailed(int index)
    {
        lock (_lock)
        {
            _copies[index]--;
            _copyDue[index] = true;
        }
    }

    /// <summary>
    /// Records when a slice was answered and how long its worker computed it. True when the answer is a won
    /// speculation (a value that came from a copy).
    /// </summary>
    public bool Answered(int index, SliceReply reply)
    {
        var now = _time.GetTimestamp();
        lock (_lock)
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
            return _firstCopyAttempt[index] > 0 && reply.Error is null && reply.Attempt >= _firstCopyAttempt[index];
        }
    }

    /// <summary>
    /// The slices to copy now, each counted as copied and its wait started anew. <paramref name="connected"/>: whether
    /// the transport is connected, so that copies that failed to publish are due again.
    /// </summary>
    public List<int> FindStragglers(bool connected)
    {
        var found = new List<int>();
        var now = _time.GetTimestamp();
        lock (_lock)
        {
            if (connected)
            {
                for (var i = 0; i < _finished.Length; i++)
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
                for (var i = 0; i < _finished.Length; i++)
                {
                    if (Volatile.Read(ref _finished[i]) || _publishedAt[i] == 0)
                    {
                        continue;
                    }

                    if (IsCandidate(i) && now - _publishedAt[i] >= _floor << _copies[i])
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
            var threshold = Threshold();

            // A copy is of a slice already known to straggle, and may itself have gone to the frozen worker (which
            // still has room in its prefetch): it is copied again once a later publish started a median slice time
            // ago without it being answered.
            var copyThreshold = Math.Max(median, (long)(MinCopyWait.TotalSeconds * _time.TimestampFrequency));

            // Cheap first: a slice cannot have been held longer than it has been published.
            var any = false;
            for (var i = 0; i < _finished.Length && !any; i++)
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
            for (var i = 0; i < _finished.Length; i++)
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
    /// The ledger in one line, for the log when the job times out: the unanswered slices, how often each was copied,
    /// how long ago the last answer came and the straggler threshold.
    /// </summary>
    public string Describe()
    {
        lock (_lock)
        {
            var unanswered = new List<int>();
            var byCopies = new int[MaxCopies + 2];
            for (var i = 0; i < _finished.Length; i++)
            {
                if (!Volatile.Read(ref _finished[i]))
                {
                    unanswered.Add(i);
                    byCopies[Math.Min(_copies[i], MaxCopies + 1)]++;
                }
            }

            var frequency = (double)_time.TimestampFrequency;
            return string.Create(CultureInfo.InvariantCulture,
                $"{unanswered.Count} unanswered (first {string.Join(", ", unanswered.Take(10))}); by copies 0/1/2/3/more: {string.Join("/", byCopies)}; " +
                $"last answer {(_time.GetTimestamp() - _lastAnswerAt) / frequency:0.0} s ago; straggler threshold {Threshold() / frequency:0.00} s");
        }
    }

    /// <summary>The straggler threshold now, in timestamp ticks. Called under the lock.</summary>
    private long Threshold() => Math.Max((long)(_medianAnswerTime * _multiple), _floor);

    /// <summary>
    /// For each publish (by sequence), the earliest start of a later publish that was answered: the slice had left the
    /// queue by then. Called under the lock.
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
}
