using System.Diagnostics;
using System.Globalization;
using Pymar.Hosting.Benchmarks.Infrastructure;

namespace Pymar.Hosting.Benchmarks.Contenders;

/// <summary>
/// The Celery 5.2 contender (Debian's python3-celery): a prefork worker with the run's slot count as its processes,
/// and a client process that runs a job as a <c>group</c> of tasks and times it itself, so the pipe is not counted.
/// Both are Celery/celery_contender.py under /usr/bin/python3; the contender runs only where that Python imports celery.
/// </summary>
internal sealed class CeleryContender() : SelfTimedContender("Celery", answersJit: false)
{
    private const string Python = "/usr/bin/python3";

    public static string ScriptPath => Path.Combine(AppContext.BaseDirectory, "Celery", "celery_contender.py");

    /// <summary>The queue and exchange Celery declares for the run (named with the run's prefix).</summary>
    public static string Queue(string prefix) => prefix + "celery";

    /// <summary>True when <c>/usr/bin/python3 -c "import celery"</c> succeeds.</summary>
    public static bool IsAvailable()
    {
        if (!File.Exists(Python) || !File.Exists(ScriptPath))
        {
            return false;
        }

        using var probe = Process.Start(new ProcessStartInfo(Python, ["-c", "import celery"]) { RedirectStandardError = true, RedirectStandardOutput = true });
        if (probe is null)
        {
            return false;
        }

        if (!probe.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            probe.Kill();
            return false;
        }

        return probe.ExitCode == 0;
    }

    public async Task StartAsync(string broker, string prefix, int slots)
    {
        string[] common = ["--broker", broker, "--prefix", prefix];
        // The worker has no stop command: disposing it kills its process tree (the prefork pool with it).
        var worker = new ChildProcessOptions
        {
            ScrubEnvironment = false,
            Environment = new Dictionary<string, string> { ["C_FORCE_ROOT"] = "1", ["PYTHONUNBUFFERED"] = "1" },
            EchoStandardError = Console.Error,
        };
        Worker = ChildProcess.Start("celery-worker", Python, [ScriptPath, "worker", .. common, "--slots", slots.ToString(CultureInfo.InvariantCulture)], worker);
        await Worker.WaitForOutputAsync("ready", TimeSpan.FromSeconds(60));
        Client = ChildProcess.Start("celery-client", Python, [ScriptPath, "client", .. common], new ChildProcessOptions
        {
            ScrubEnvironment = false,
            Environment = worker.Environment,
            EchoStandardError = Console.Error,
            StopCommand = "quit",
        });
        await Client.WaitForOutputAsync("ready", TimeSpan.FromSeconds(60));
    }
}
