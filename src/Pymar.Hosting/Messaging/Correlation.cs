using System.Globalization;

namespace Pymar.Hosting.Messaging;

/// <summary>The correlation id of a slice message and its reply: <c>job:slice</c>, built and read here only.</summary>
internal static class Correlation
{
    public static string Create(string jobId, int sliceIndex) =>
        string.Create(CultureInfo.InvariantCulture, $"{jobId}:{sliceIndex}");

    public static bool TryParse(string? correlationId, out string jobId, out int sliceIndex)
    {
        var separator = correlationId?.LastIndexOf(':') ?? -1;
        if (separator > 0 && int.TryParse(correlationId.AsSpan(separator + 1), NumberStyles.None, CultureInfo.InvariantCulture, out sliceIndex))
        {
            jobId = correlationId![..separator];
            return true;
        }

        (jobId, sliceIndex) = ("", 0);
        return false;
    }
}
