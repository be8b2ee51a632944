using System.Diagnostics;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace Pymar.Hosting.Dashboard.Tests.Support;

/// <summary>
/// Debian's headless Chromium driven through Debian's chromium-driver, both at fixed paths so Selenium Manager never
/// looks for (or downloads) anything. Under CI=true a missing browser is installed with deploy/browser/install.sh; a
/// browser still missing fails the test, it never skips it.
/// </summary>
internal static class Chromium
{
    public const string BrowserPath = "/usr/bin/chromium";
    public const string DriverPath = "/usr/bin/chromedriver";

    public static ChromeDriver Start(string userDataDir)
    {
        EnsureInstalled();

        // Belt and braces: with both paths given Selenium Manager is not asked, and offline it could not download either.
        Environment.SetEnvironmentVariable("SE_OFFLINE", "true");
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(DriverPath)!, Path.GetFileName(DriverPath));
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = BrowserPath };
        options.AddArguments(
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--window-size=1400,1000",
            "--user-data-dir=" + userDataDir);
        options.SetLoggingPreference(LogType.Browser, LogLevel.All);
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }

    /// <summary>Console messages of level SEVERE (errors) since the last call.</summary>
    public static IReadOnlyList<string> ConsoleErrors(IWebDriver driver) =>
        [.. driver.Manage().Logs.GetLog(LogType.Browser).Where(e => e.Level == LogLevel.Severe).Select(e => e.Message)];

    private static void EnsureInstalled()
    {
        if (File.Exists(BrowserPath) && File.Exists(DriverPath))
        {
            return;
        }

        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            var script = Path.Combine(RepositoryPaths.Root, "deploy", "browser", "install.sh");
            using var install = Process.Start(new ProcessStartInfo("bash", [script]) { UseShellExecute = false })
                ?? throw new InvalidOperationException($"Could not start {script}.");
            if (!install.WaitForExit(TimeSpan.FromMinutes(10)))
            {
                install.Kill(entireProcessTree: true);
            }
        }

        Assert.True(
            File.Exists(BrowserPath) && File.Exists(DriverPath),
            $"The browser tests need Debian's chromium ({BrowserPath}) and chromium-driver ({DriverPath}): run deploy/browser/install.sh.");
    }
}
