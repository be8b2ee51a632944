using System.Globalization;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using Pymar.Hosting.Dashboard.Tests.Events;
using Pymar.Hosting.Dashboard.Tests.Support;
using Pymar.Hosting.Events;
using Pymar.Hosting.Testing;
using Pymar.Hosting.TestSupport;

namespace Pymar.Hosting.Dashboard.Tests.Browser;

/// <summary>
/// The dashboard as a person sees it with real processes: two examples workers and an examples producer on the local
/// broker (a queue prefix of this test's own), the dashboard in this process reading the broker's events, in Chromium.
/// </summary>
[Collection(BrokerCollection.Name)]
public sealed class DashboardRealRunTests : IAsyncLifetime
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private static readonly string[] s_producers = ["FastIntegrationProducer", "IntegrationProducer", "KeyedIntegrationProducer", "SquaredSumProducer", "WordCountProducer"];
    private readonly string _profile = Path.Combine(Path.GetTempPath(), "pymar-chromium-" + Guid.NewGuid().ToString("N"));
    private readonly string _prefix = TestBroker.NewQueuePrefix();
    private readonly List<ChildProcess> _processes = [];
    private ChromeDriver? _driver;

    private ChromeDriver Driver => _driver ?? throw new InvalidOperationException("Not started.");

    public Task InitializeAsync()
    {
        _driver = Chromium.Start(_profile);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _driver?.Quit();
        _driver?.Dispose();
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        await TestBroker.DeleteQueuesAsync(_prefix, s_producers);
        if (Directory.Exists(_profile))
        {
            Directory.Delete(_profile, recursive: true);
        }
    }

    [Fact]
    public async Task TwoWorkerProcessesAndASixteenSliceJobShowOnThePageAndAWorkerStoppedWithSigtermTurnsStale()
    {
        await using var dashboard = await DashboardHost.StartOnBrokerAsync(TestHost.RabbitMqConfiguration(_prefix), o => o.StaleAfterMissedHeartbeats = 2);
        var recorder = new PymarEventRecorder();
        await using var recording = await dashboard.Bus.SubscribeAsync(recorder);

        var workerA = await StartWorkerAsync("worker-a");
        var workerB = await StartWorkerAsync("worker-b");
        var idA = WorkerId(workerA);
        var idB = WorkerId(workerB);

        Driver.Navigate().GoToUrl(dashboard.Page);
        await Eventually.HoldsAsync(() => Rows($"#workers tr.worker[data-worker='{idA}'][data-state='ok']") == 1 && Rows($"#workers tr.worker[data-worker='{idB}'][data-state='ok']") == 1, s_timeout, "both worker processes live on the page");

        var timeline = RepositoryPaths.Artifacts("timeline-real-run.html");
        var producer = Start("producer", ["integrate", "--slices", "16", "--producer-only", "--broker", TestBroker.Uri, "--timeline", timeline]);
        Assert.True(await producer.WaitForExitAsync(s_timeout) == 0, producer.Describe());
        Assert.Contains("integrate: 22023.7365", producer.Output);
        var jobId = recorder.Events.FirstOrDefault(e => e.Kind == PymarEventKinds.JobStarted && e.ProcessId == producer.Id)?.JobId;
        Assert.True(jobId is not null, "The producer process published no job.started event.");

        await Eventually.HoldsAsync(() => Text($"#history tr[data-job='{jobId}'] .progress-text") == "16/16", s_timeout, "the job at 16/16 in the history");
        await Eventually.HoldsAsync(() => Rows($"svg#taskstream rect.bar[data-job='{jobId}']") == 16, s_timeout, "16 bars of the job in the task stream");
        Assert.Equal("finished", Attribute($"#history tr[data-job='{jobId}']", "data-state"));
        var ran = recorder.ForJob(jobId).Where(e => e.Kind == PymarEventKinds.SliceFinished).ToList();
        Assert.Equal(16, ran.Select(e => e.SliceIndex).Distinct().Count());
        Assert.All(ran, e => Assert.Contains(e.Worker, new[] { idA, idB }));
        Driver.GetScreenshot().SaveAsFile(RepositoryPaths.Artifacts("dashboard-real-run.png"));
        Assert.Empty(Chromium.ConsoleErrors(Driver));

        Assert.Equal(0, await workerB.StopAsync(s_timeout));
        await Eventually.HoldsAsync(() => Rows($"#workers tr.worker[data-worker='{idB}'][data-state='stale'], #workers tr.worker[data-worker='{idB}'][data-state='stopped']") == 1, s_timeout, "the worker stopped with SIGTERM stale (or stopped) on the page");
        await Eventually.HoldsAsync(() => Rows($"#workers tr.worker[data-worker='{idA}'][data-state='ok']") == 1, s_timeout, "the worker still running live on the page");
        Driver.GetScreenshot().SaveAsFile(RepositoryPaths.Artifacts("dashboard-real-run-stopped-worker.png"));

        // The producer's --timeline file: self-contained, no console errors, the job's 16 slices.
        Driver.Navigate().GoToUrl(new Uri(timeline).AbsoluteUri);
        await Eventually.HoldsAsync(() => Rows($"svg#taskstream rect.bar[data-job='{jobId}']") == 16, s_timeout, "16 bars in the timeline's task stream");
        Assert.Contains("16/16", Driver.FindElement(By.CssSelector($"#stages tr.stage[data-job='{jobId}']")).Text, StringComparison.Ordinal);
        Driver.GetScreenshot().SaveAsFile(RepositoryPaths.Artifacts("timeline-real-run.png"));
        Assert.Empty(Chromium.ConsoleErrors(Driver));
        Assert.DoesNotContain("://", File.ReadAllText(timeline).Replace("http://www.w3.org/2000/svg", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    private async Task<ChildProcess> StartWorkerAsync(string name)
    {
        var worker = Start(name, ["worker", "--broker", TestBroker.Uri, "--workers", "2"]);
        await worker.WaitForLineAsync("consuming producers", s_timeout);
        return worker;
    }

    private ChildProcess Start(string name, string[] arguments)
    {
        var environment = new Dictionary<string, string>
        {
            ["Pymar__Broker__QueuePrefix"] = _prefix,
            ["Pymar__ComputeLocallyWhenUnreachable"] = "false",
            ["Pymar__Events__HeartbeatInterval"] = "00:00:00.500",
        };
        var process = ChildProcess.StartDll(name, ChildPrograms.Examples, arguments, new() { Environment = environment });
        _processes.Add(process);
        return process;
    }

    /// <summary>The id a process's events carry: its host and process id.</summary>
    private static string WorkerId(ChildProcess process) => string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}/{process.Id}");

    private int Rows(string css) => Convert.ToInt32(Driver.ExecuteScript("return document.querySelectorAll(arguments[0]).length;", css), CultureInfo.InvariantCulture);

    private string? Text(string css) => Driver.ExecuteScript("const e = document.querySelector(arguments[0]); return e ? e.textContent.trim() : null;", css) as string;

    private string? Attribute(string css, string name) => Driver.ExecuteScript("const e = document.querySelector(arguments[0]); return e ? e.getAttribute(arguments[1]) : null;", css, name) as string;
}
