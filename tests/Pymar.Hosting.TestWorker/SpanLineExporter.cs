using System.Diagnostics;
using OpenTelemetry;

namespace Pymar.Hosting.TestWorker;

/// <summary>
/// An OpenTelemetry exporter that prints each finished span as one stdout line,
/// <c>span: {traceId} {spanId} {parentSpanId} {name} {key=value}...</c>, for a test in another process to read
/// (<c>PYMAR_TEST_SPANS=1</c> turns it on). The pairs are the span's <c>messaging.*</c> tags and its baggage
/// (as <c>baggage.{key}</c>).
/// </summary>
internal sealed class SpanLineExporter : BaseExporter<Activity>
{
    /// <summary>The start of every span line.</summary>
    public const string Prefix = "span: ";

    public override ExportResult Export(in Batch<Activity> batch)
    {
        foreach (var activity in batch)
        {
            var pairs = activity.TagObjects
                .Where(t => t.Key.StartsWith("messaging.", StringComparison.Ordinal))
                .Select(t => $" {t.Key}={t.Value}")
                .Concat(activity.Baggage.Select(b => $" baggage.{b.Key}={b.Value}"));
            Console.Out.WriteLine($"{Prefix}{activity.TraceId.ToHexString()} {activity.SpanId.ToHexString()} {activity.ParentSpanId.ToHexString()} {activity.OperationName}{string.Concat(pairs)}");
        }

        Console.Out.Flush();
        return ExportResult.Success;
    }
}
