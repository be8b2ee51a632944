namespace Pymar.Hosting.Dashboard;

/// <summary>The page, script and timeline template embedded in this assembly.</summary>
internal static class DashboardAssets
{
    public static string Read(string name)
    {
        using var stream = typeof(DashboardAssets).Assembly.GetManifestResourceStream($"Pymar.Hosting.Dashboard.Assets.{name}")
            ?? throw new InvalidOperationException($"The embedded asset {name} is missing from {typeof(DashboardAssets).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
