using System.Net;
using System.Net.Sockets;

namespace Pymar.Hosting.RabbitMq.Tests.Faults;

/// <summary>
/// A TCP proxy in front of the broker that can stop reading what its clients send (their socket buffers fill, as with
/// a broker that stops reading a blocked connection). When either side of a connection closes, the proxy closes the
/// other. It can also fall silent: pass nothing either way while both sockets stay open, as a link that drops every
/// packet does; or drop only the broker's publisher confirms (basic.ack and basic.nack frames) while everything else
/// passes, as a node does that takes messages it cannot confirm. New connections are passed through as usual.
/// </summary>
internal sealed class StallingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _target;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<(Socket Client, Socket Server, CancellationTokenSource Cut)> _pairs = [];
    private readonly Lock _lock = new();
    private readonly HashSet<CancellationTokenSource> _stalled = [];
    private readonly HashSet<CancellationTokenSource> _silenced = [];
    private volatile bool _droppingConfirms;
    private readonly Task _accepting;

    public StallingProxy(int target)
    {
        _target = target;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>How many bytes the clients sent that the proxy has not read (waiting in its sockets).</summary>
    public int Unread
    {
        get
        {
            lock (_lock)
            {
                return _pairs.Sum(p => p.Client.Connected ? p.Client.Available : 0);
            }
        }
    }

    /// <summary>The local ports of the proxy's connections to the broker (how the broker names them).</summary>
    public IReadOnlyList<int> BrokerSidePorts
    {
        get
        {
            lock (_lock)
            {
                return [.. _pairs.Select(p => ((IPEndPoint)p.Server.LocalEndPoint!).Port)];
            }
        }
    }

    /// <summary>Stops reading from the clients of the connections open now (not from those opened later).</summary>
    public void Stall()
    {
        lock (_lock)
        {
            _stalled.UnionWith(_pairs.Select(p => p.Cut));
        }
    }

    /// <summary>
    /// Passes nothing more either way on the connections open now, and closes neither side: each end learns of it only
    /// by its own heartbeat (new connections are passed through).
    /// </summary>
    public void Silence()
    {
        lock (_lock)
        {
            _stalled.UnionWith(_pairs.Select(p => p.Cut));
            _silenced.UnionWith(_pairs.Select(p => p.Cut));
        }
    }

    /// <summary>How many confirm frames the proxy dropped.</summary>
    public int DroppedConfirms => Volatile.Read(ref _droppedConfirms);

    private int _droppedConfirms;

    /// <summary>Drops every publisher confirm the broker sends, on every connection, until <see cref="PassConfirms"/>.</summary>
    public void DropConfirms() => _droppingConfirms = true;

    /// <summary>Passes the broker's confirms again (those dropped stay lost).</summary>
    public void PassConfirms() => _droppingConfirms = false;

    /// <summary>Closes every connection open now and passes new ones through again.</summary>
    public void CutAll()
    {
        List<(Socket Client, Socket Server, CancellationTokenSource Cut)> pairs;
        lock (_lock)
        {
            pairs = [.. _pairs];
            _pairs.Clear();
        }

        foreach (var (client, server, cut) in pairs)
        {
            // Reset both sides first: cancelling ends the pumps, which close the sockets themselves.
            Reset(client);
            Reset(server);
            cut.Cancel();
        }
    }

    /// <summary>Closes <paramref name="socket"/> with a reset, unless a pump closed it already.</summary>
    private static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (ObjectDisposedException)
        {
            // Closed by its pump when the other side went away.
        }

        socket.Close();
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        CutAll();
        await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stopping.Token);
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                return;
            }

            var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await server.ConnectAsync(IPAddress.Loopback, _target);
            var cut = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            lock (_lock)
            {
                _pairs.Add((client, server, cut));
            }

            _ = PumpThenCloseAsync(client, server, () => IsStalled(cut), cut);
            _ = PumpFramesThenCloseAsync(server, client, () => IsSilenced(cut), cut);
        }
    }

    private bool IsStalled(CancellationTokenSource pair)
    {
        lock (_lock)
        {
            return _stalled.Contains(pair);
        }
    }

    private bool IsSilenced(CancellationTokenSource pair)
    {
        lock (_lock)
        {
            return _silenced.Contains(pair);
        }
    }

    private async Task PumpThenCloseAsync(Socket from, Socket to, Func<bool> stalled, CancellationTokenSource cut)
    {
        await PumpAsync(from, to, stalled, cut.Token);
        await CloseBothAsync(from, to, cut);
    }

    private async Task PumpFramesThenCloseAsync(Socket from, Socket to, Func<bool> stalled, CancellationTokenSource cut)
    {
        await PumpFramesAsync(from, to, stalled, cut.Token);
        await CloseBothAsync(from, to, cut);
    }

    private async Task CloseBothAsync(Socket from, Socket to, CancellationTokenSource cut)
    {
        // One side is gone: so is the other (with unread data in its buffer, the client sees a reset).
        lock (_lock)
        {
            _pairs.RemoveAll(p => p.Cut == cut);
        }

        await cut.CancelAsync();
        from.Close();
        to.Close();
    }

    /// <summary>
    /// Passes the broker's frames to the client whole (type, channel, size, payload, end octet), leaving out the
    /// confirms while they are dropped.
    /// </summary>
    private async Task PumpFramesAsync(Socket from, Socket to, Func<bool> stalled, CancellationToken cancellationToken)
    {
        var pending = new byte[256 * 1024];
        var filled = 0;
        var output = new byte[256 * 1024];
        try
        {
            while (true)
            {
                if (stalled())
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }

                if (filled == pending.Length)
                {
                    Array.Resize(ref pending, pending.Length * 2);
                }

                var read = await from.ReceiveAsync(pending.AsMemory(filled), SocketFlags.None, cancellationToken);
                if (read == 0)
                {
                    return;
                }

                filled += read;
                if (stalled())
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }

                var start = 0;
                var written = 0;
                while (filled - start >= 7)
                {
                    var size = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(pending.AsSpan(start + 3));
                    var length = 7 + size + 1;
                    if (filled - start < length)
                    {
                        break;
                    }

                    if (_droppingConfirms && IsConfirm(pending.AsSpan(start, length)))
                    {
                        Interlocked.Increment(ref _droppedConfirms);
                    }
                    else
                    {
                        if (output.Length - written < length)
                        {
                            Array.Resize(ref output, Math.Max(output.Length * 2, written + length));
                        }

                        pending.AsSpan(start, length).CopyTo(output.AsSpan(written));
                        written += length;
                    }

                    start += length;
                }

                Array.Copy(pending, start, pending, 0, filled - start);
                filled -= start;
                if (written > 0)
                {
                    await to.SendAsync(output.AsMemory(0, written), SocketFlags.None, cancellationToken);
                }
            }
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested || from.Connected is false || to.Connected is false)
        {
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>A method frame carrying basic.ack (60, 80) or basic.nack (60, 120).</summary>
    private static bool IsConfirm(ReadOnlySpan<byte> frame) =>
        frame[0] == 1 && frame.Length >= 11
        && System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(frame[7..]) == 60
        && System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(frame[9..]) is 80 or 120;

    private static async Task PumpAsync(Socket from, Socket to, Func<bool> stalled, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                if (stalled())
                {
                    // Stalled for good: the connection ends when the broker or the client closes it.
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }

                var read = await from.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
                if (read == 0)
                {
                    return;
                }

                if (stalled())
                {
                    // What was read after the stall began is dropped, as on a link that lost it.
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, cancellationToken);
            }
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested || from.Connected is false || to.Connected is false)
        {
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
