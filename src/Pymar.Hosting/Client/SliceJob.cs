using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using Pymar.Hosting.Diagnostics;
using Pymar.Hosting.Messaging;
using Pymar.Hosting.Transport;

namespace Pymar.Hosting;

/// <summary>
/// One job's slices on the producer: publishes them, retries failed ones per policy, and folds each slice's first
/// partial value as it arrives (later copies of it are ignored).
/// </summary>
internal sealed class SliceJob<TItem, TValue> : ISliceJob
{
    private const int MaxPublishesInFlight = 128;
    private static readonly TimeSpan s_maxBackoff = TimeSpan.FromSeconds(30);
    private readonly JobPlan<TItem, TValue> _plan;
    private readonly IPymarTransport _transport;
    private readonly Channel<SliceReply> _replies = Channel.CreateUnbounded<SliceReply>(new UnboundedChannelOptions { SingleReader = true });
    private readonly int[] _attempts;
    private readonly bool[] _finished;
    private readonly List<SliceFailure> _failures = [];
    private TValue _accumulated = default!;
    private int _folded;

    public SliceJob(JobPlan<TItem, TValue> plan, IPymarTransport transport)
    {
        _plan = plan;
        _transport = transport;
        _attempts = new int[plan.Windows.Count];
        _finished = new bool[plan.Windows.Count];
        Array.Fill(_attempts, 1);
    }

    public int Completed { get; private set; }

    public int Total => _plan.Windows.Count;

    public bool TryPost(SliceReply reply) => _replies.Writer.TryWrite(reply);

    public async Task RepublishMissingAsync(CancellationToken cancellationToken)
    {
        for (var i = 0; i < _finished.Length; i++)
        {
            if (!Volatile.Read(ref _finished[i]))
            {
                await PublishAsync(i, Volatile.Read(ref _attempts[i]), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async Task<MapResult<TValue>> RunAsync(bool collectFailures, CancellationToken cancellationToken)
    {
        await PublishAllAsync(cancellationToken).ConfigureAwait(false);
        ClientLog.Published(_plan.Logger, _plan.JobId, _plan.ProducerName, Total, _plan.Windows[^1].End, _transport.Description);
        while (Completed < Total)
        {
            var reply = await _replies.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var index = reply.SliceIndex;
            if (index < 0 || index >= Total || _finished[index])
            {
                ClientLog.IgnoredReply(_plan.Logger, index, _plan.JobId, "duplicate or out of range");
                continue;
            }

            if (reply.Error is { } error)
            {
                if (reply.Attempt != _attempts[index] && reply.Attempt != 0)
                {
                    ClientLog.IgnoredReply(_plan.Logger, index, _plan.JobId, "error of an earlier attempt");
                    continue;
                }

                if (_attempts[index] <= _plan.RetryCount)
                {
                    var delay = Backoff(_attempts[index]);
                    _attempts[index]++;
                    ClientLog.Retrying(_plan.Logger, index, _plan.JobId, _plan.ProducerName, _attempts[index], delay, error.Message);
                    _ = RetryLaterAsync(index, _attempts[index], delay, cancellationToken);
                    continue;
                }

                var failure = new SliceFailure(index, _plan.Windows[index], error, _attempts[index]);
                if (!collectFailures)
                {
                    throw new SliceFailedException(_plan.ProducerName, _plan.JobId, index, failure.Window, error, failure.Attempts);
                }

                _failures.Add(failure);
            }
            else
            {
                var partial = ReadValue(reply);
                _accumulated = _folded == 0 ? partial : _plan.Producer.Fold(_accumulated, partial);
                _folded++;
            }

            Volatile.Write(ref _finished[index], true);
            Completed++;
            _plan.Progress?.Report(new MapProgress(Completed, Total));
        }

        _failures.Sort((a, b) => a.SliceIndex.CompareTo(b.SliceIndex));
        return new MapResult<TValue>(_accumulated, _folded > 0, Total, _failures);
    }

    private async Task PublishAllAsync(CancellationToken cancellationToken)
    {
        // Publishes are pipelined in a sliding window: the broker confirms many at once instead of one round trip
        // each, and a slow confirm does not hold back the publishes behind it. (Not disposed: publishes still in
        // flight when the job is cancelled release their place after this method has returned.)
        var window = new SemaphoreSlim(MaxPublishesInFlight, MaxPublishesInFlight);
        var failure = new PublishFailure();
        for (var i = 0; i < Total && failure.Error is null; i++)
        {
            await window.WaitAsync(cancellationToken).ConfigureAwait(false);
            Task publish;
            try
            {
                publish = PublishAsync(i, attempt: 1, cancellationToken);
            }
            catch (Exception ex)
            {
                failure.Set(ex);
                window.Release();
                break;
            }

            _ = ReleaseWhenPublishedAsync(publish, window, failure);
        }

        // Every publish has finished once every place in the window is free again.
        for (var free = 0; free < MaxPublishesInFlight; free++)
        {
            await window.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        }

        if (failure.Error is { } error)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        }
    }

    private static async Task ReleaseWhenPublishedAsync(Task publish, SemaphoreSlim window, PublishFailure failure)
    {
        try
        {
            await publish.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            failure.Set(ex);
        }
        finally
        {
            window.Release();
        }
    }

    private Task PublishAsync(int index, int attempt, CancellationToken cancellationToken)
    {
        var window = _plan.Windows[index];
        var request = new SliceRequest
        {
            Version = SliceRequest.CurrentVersion,
            JobId = _plan.JobId,
            SliceIndex = index,
            Attempt = attempt,
            Producer = _plan.ProducerName,
            DataSource = _plan.DataSourceName,
            Offset = window.Offset,
            Limit = window.Limit,
            ReplyTo = _plan.ReplyTo,
            ExpiresAtUnixMilliseconds = _plan.ExpiresAtUnixMilliseconds,
            TraceParent = _plan.TraceParent,
        };
        var body = MessageCodec.WriteRequest(request, _plan.Source.GetItemsWriter(window, PymarSerializer.Options));
        if (body.LongLength > _transport.MaxMessageBytes)
        {
            throw new PymarConfigurationException(string.Create(CultureInfo.InvariantCulture,
                $"Slice {index} {window} of producer '{_plan.ProducerName}' is {body.LongLength} bytes, over the transport's limit of {_transport.MaxMessageBytes} bytes. Use a registered data source instead of in-memory items, or more slices."));
        }

        var properties = new SliceMessageProperties(request.CorrelationId, _plan.ReplyTo, _plan.Timeout);
        PymarTelemetry.SlicesPublished.Add(1, new KeyValuePair<string, object?>("pymar.producer", _plan.ProducerName));
        return _transport.PublishSliceAsync(_plan.ProducerName, body, properties, cancellationToken).AsTask();
    }

    private async Task RetryLaterAsync(int index, int attempt, TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            await PublishAsync(index, attempt, cancellationToken).ConfigureAwait(false);
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

    private TimeSpan Backoff(int attempt)
    {
        var factor = Math.Pow(2, Math.Min(attempt - 1, 16));
        var delay = TimeSpan.FromTicks((long)Math.Min(_plan.RetryBackoff.Ticks * factor, s_maxBackoff.Ticks));
        return delay < TimeSpan.Zero ? TimeSpan.Zero : delay;
    }

    private TValue ReadValue(SliceReply reply)
    {
        try
        {
            return reply.Value!.Value.Deserialize<TValue>(PymarSerializer.Options)!;
        }
        catch (JsonException ex)
        {
            throw new MalformedMessageException($"The partial value of slice {reply.SliceIndex} of producer '{_plan.ProducerName}' cannot be read as {typeof(TValue).Name}: {ex.Message}", ex);
        }
    }

    /// <summary>The first error of a job's publishes.</summary>
    private sealed class PublishFailure
    {
        private Exception? _error;

        public Exception? Error => Volatile.Read(ref _error);

        public void Set(Exception error) => Interlocked.CompareExchange(ref _error, error, null);
    }
}
