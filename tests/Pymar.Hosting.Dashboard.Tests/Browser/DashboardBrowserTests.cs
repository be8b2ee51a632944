using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using Pymar.Hosting.Dashboard.Tests.Support;
using Pymar.Hosting.Dashboard.Timeline;
using Pymar.Hosting.Events;
using Pymar.Hosting.TestSupport;

namespace Pymar.Hosting.Dashboard.Tests.Browser;

/// <summary>The dashboard and a timeline file as a person sees them, in a real headless Chromium.</summary>
public sealed class DashboardBrowserTests : IAsyncLifetime
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly string _profile = Path.Combine(Path.GetTempPath(), "pymar-chromium-" + Guid.NewGuid().ToString("N"));
    private ChromeDriver? _driver;

    private ChromeDriver Driver => _driver ?? throw new InvalidOperationException("Not started.");

    public Task InitializeAsync()
    {
        _driver = Chromium.Start(_profile);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        _driver?.Quit();
        _driver?.Dispose();
        if (Directory.Exists(_profile))
        {
            Directory.Delete(_profile, recursive: true);
        }

        return Task.CompletedTask;
    }

    [Fact]
    public async Task PageShowsTwoWorkersAJobReachingSixteenOfSixteenAndItsSixteenSlicesThenAStaleWorker()
    {
        await using var host = await DashboardHost.StartAsync(o => o.StaleAfterMissedHeartbeats = 2);
        using var heartbeatsA = new CancellationTokenSource();
        using var heartbeatsB = new CancellationTokenSource();
        const string workerA = "node-a/4101", workerB = "node-b/4102";
        var beatA = SendHeartbeatsAsync(host.Bus, workerA, heartbeatsA.Token);
        var beatB = SendHeartbeatsAsync(host.Bus, workerB, heartbeatsB.Token);

        Driver.Navigate().GoToUrl(host.Page);
        await Eventually.HoldsAsync(() => Rows("#workers tr.worker[data-state='ok']") == 2, s_timeout, "two live workers on the page");

        var jobId = "job-" + Guid.NewGuid().ToString("N")[..8];
        foreach (var e in SimulatedWork.Job(jobId, [workerA, workerB], DateTimeOffset.UtcNow - TimeSpan.FromSeconds(6)))
        {
            await host.Bus.PublishAsync(e);
        }

        // A second job still running, so the picture shows a progress bar as well as the history.
        await PublishRunningJobAsync(host.Bus, [workerA, workerB]);

        await Eventually.HoldsAsync(() => Text($"#history tr[data-job='{jobId}'] .progress-text") == "16/16", s_timeout, "the job at 16/16 in the history");
        await Eventually.HoldsAsync(() => Rows($"svg#taskstream rect.bar[data-job='{jobId}']") == 16, s_timeout, "16 bars of the job in the task stream");
        Assert.Equal("finished", Attribute($"#history tr[data-job='{jobId}']", "data-state"));
        Assert.Equal(4, Driver.FindElements(By.CssSelector("svg#taskstream .lane")).Count);
        Assert.Equal("live", Text("#status"));
        Driver.GetScreenshot().SaveAsFile(RepositoryPaths.Artifacts("dashboard.png"));
        Assert.Empty(Chromium.ConsoleErrors(Driver));

        // Garbage on the exchange is counted on the page, and the page goes on updating.
        host.State.OnMalformed("not an event");
        host.State.OnMalformed("not an event");
        await Eventually.HoldsAsync(() => Text("#counts")?.EndsWith("2 malformed ignored", StringComparison.Ordinal) == true, s_timeout, "two malformed messages counted on the page");

        await heartbeatsB.CancelAsync();
        await beatB;
        await Eventually.HoldsAsync(() => Rows($"#workers tr.worker[data-worker='{workerB}'][data-state='stale']") == 1, s_timeout, "worker B stale once its heartbeats stop");
        Assert.Equal(1, Rows($"#workers tr.worker[data-worker='{workerA}'][data-state='ok']"));
        Driver.GetScreenshot().SaveAsFile(RepositoryPaths.Artifacts("dashboard-stale-worker.png"));

        await heartbeatsA.CancelAsync();
        await beatA;
    }

    [Fact]
    public async Task TimelineFileOpensWithoutConsoleErrorsAndShowsTheJobsSlices()
    {
        var jobId = "job-" + Guid.NewGuid().ToString("N")[..8];
        var path = RepositoryPaths.Artifacts("timeline.html");
        await TimelineWriter.WriteAsync(path, SimulatedWork.Job(jobId, ["node-a/4101", "node-b/4102"], DateTimeOffset.UtcNow));

        Driver.Navigate().GoToUrl(new Uri(path).AbsoluteUri);

        await Eventually.HoldsAsync(() => Rows($"svg#taskstream rect.bar[data-job='{jobId}']") == 16, s_timeout, "16 bars in the timeline's task stream");
        var stage = Driver.FindElement(By.CssSelector($"#stages tr.stage[data-job='{jobId}']"));
        Assert.Contains("16/16", stage.Text, StringComparison.Ordinal);
        Assert.Contains("finished", stage.Text, StringComparison.Ordinal);
        Assert.StartsWith("16 slices over", Driver.FindElement(By.Id("meta")).Text, StringComparison.Ordinal);
        Driver.GetScreenshot().SaveAsFile(RepositoryPaths.Artifacts("timeline.png"));
        Assert.Empty(Chromium.ConsoleErrors(Driver));
    }

    private static async Task SendHeartbeatsAsync(IPymarEventBus bus, string worker, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(300));
        var done = 0L;
        try
        {
            do
            {
                await bus.PublishAsync(SimulatedWork.Heartbeat(worker, DateTimeOffset.UtcNow, busy: (int)(done % 3), done: done += 2, intervalSeconds: 0.3), cancellationToken);
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The worker "stops".
        }
    }

    private static async Task PublishRunningJobAsync(IPymarEventBus bus, string[] workers)
    {
        var running = SimulatedWork.Job("job-live", workers, DateTimeOffset.UtcNow - TimeSpan.FromSeconds(1.5))
            .Select(e => e with { Producer = "WordCount" })
            .Where(e => e.Kind != PymarEventKinds.JobFinished && e.Time <= DateTimeOffset.UtcNow);
        foreach (var e in running)
        {
            await bus.PublishAsync(e);
        }
    }

    // Read in one script call: the page re-renders on every update, so an element found in one call may be gone in the next.
    private int Rows(string css) => Convert.ToInt32(Driver.ExecuteScript("return document.querySelectorAll(arguments[0]).length;", css), System.Globalization.CultureInfo.InvariantCulture);

    private string? Text(string css) => Driver.ExecuteScript("const e = document.querySelector(arguments[0]); return e ? e.textContent.trim() : null;", css) as string;

    private string? Attribute(string css, string name) => Driver.ExecuteScript("const e = document.querySelector(arguments[0]); return e ? e.getAttribute(arguments[1]) : null;", css, name) as string;
}
