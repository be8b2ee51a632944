namespace Pymar.Hosting.TestSupport;

/// <summary>
/// The fault-test broker (<c>./deploy/rabbitmq/start-chaos.sh</c>, AMQP on 127.0.0.1:5673) is stopped and restarted by
/// tests in more than one test project, and <c>dotnet test</c> runs test projects at once. Whoever restarts it holds
/// this lock: an exclusive lock on a file that every test process opens, released when disposed or when the process dies.
/// </summary>
public sealed class ChaosBrokerLock : IDisposable
{
    /// <summary>The fault-test broker as the hosts under test are given it.</summary>
    public const string Uri = "amqp://guest:guest@127.0.0.1:5673/";

    private static readonly string s_path = Path.Combine(Path.GetTempPath(), "pymar-chaos-broker.lock");
    private readonly FileStream _file;

    private ChaosBrokerLock(FileStream file) => _file = file;

    /// <summary>Waits for the lock (polling every 100 ms) and fails with a clear message after <paramref name="timeout"/>.</summary>
    public static async Task<ChaosBrokerLock> AcquireAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            try
            {
                return new ChaosBrokerLock(new FileStream(s_path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(100), deadline.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new TimeoutException($"Another test process held the fault-test broker ({s_path}) for more than {timeout.TotalSeconds:0} s.");
                }
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _file.Dispose();
}
