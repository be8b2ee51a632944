using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Pymar.Hosting.Benchmarks.Infrastructure;

/// <summary>One contender's figures in a scenario.</summary>
internal sealed record ContenderResult(string Name, Stats Stats, double? Ratio, string? Note = null, double? PairedRatio = null, IReadOnlyList<double>? Samples = null);

/// <summary>One table of a scenario: its contenders' figures in one unit, and the ratio to its reference.</summary>
internal sealed class ResultTable(string title, string unit, string reference, string ratioMeaning)
{
    public string Title => title;

    public string Unit => unit;

    public string Reference => reference;

    public string RatioMeaning => ratioMeaning;

    public List<ContenderResult> Rows { get; } = [];

    /// <summary>Adds rows for samples, with the ratio of each median to the reference's median.</summary>
    public ResultTable AddAll(IEnumerable<(string Name, IReadOnlyList<double> Samples)> samples, Func<string, string?>? note = null)
    {
        var list = samples.Select(s => (s.Name, s.Samples, Stats: Stats.Of(s.Samples))).ToList();
        var referenceRow = list.First(s => s.Name == reference);
        foreach (var (name, values, stats) in list)
        {
            // Rounds run alternately, so sample i of each contender ran next to sample i of the reference: the median of
            // those ratios is less sensitive to other work on a shared machine than the ratio of the medians.
            var paired = values.Count == referenceRow.Samples.Count
                ? Stats.Of(values.Select((v, i) => v / referenceRow.Samples[i])).Median
                : (double?)null;
            Rows.Add(new ContenderResult(name, stats, stats.Median / referenceRow.Stats.Median, note?.Invoke(name), paired, values));
        }


        return this;
    }
}

/// <summary>The figures of one scenario.</summary>
internal sealed class ScenarioResult(string name, string description)
{
    public string Name => name;

    public string Description => description;

    public List<ResultTable> Tables { get; } = [];

    public List<string> Notes { get; } = [];

    /// <summary>Further figures (breakdowns, byte counts) for the JSON file.</summary>
    public JsonObject Extra { get; } = [];
}

/// <summary>Prints scenario results as tables and collects them for the JSON file.</summary>
internal sealed class Report(TextWriter output)
{
    private readonly List<ScenarioResult> _scenarios = [];

    public JsonObject Machine { get; } = [];

    public void Add(ScenarioResult scenario)
    {
        _scenarios.Add(scenario);
        Print(scenario);
    }

    public void Line(string text)
    {
        output.WriteLine(text);
        output.Flush();
    }

    public async Task WriteJsonAsync(string path, IReadOnlyList<string> arguments)
    {
        var root = new JsonObject
        {
            ["tool"] = "Pymar.Hosting.Benchmarks",
            ["command"] = "dotnet run -c Release --project tests/Pymar.Hosting.Benchmarks -- " + string.Join(' ', arguments),
            ["startedUtc"] = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            ["machine"] = Machine.DeepClone(),
        };
        var scenarios = new JsonObject();
        foreach (var scenario in _scenarios)
        {
            var tables = new JsonArray();
            foreach (var table in scenario.Tables)
            {
                var rows = new JsonArray();
                foreach (var row in table.Rows)
                {
                    rows.Add(new JsonObject
                    {
                        ["contender"] = row.Name,
                        ["count"] = row.Stats.Count,
                        ["median"] = Number(row.Stats.Median),
                        ["min"] = Number(row.Stats.Min),
                        ["max"] = Number(row.Stats.Max),
                        ["mean"] = Number(row.Stats.Mean),
                        ["p90"] = Number(row.Stats.P90),
                        ["ratioToReference"] = row.Ratio is { } r ? Number(r) : null,
                        ["pairedRatioToReference"] = row.PairedRatio is { } pr ? Number(pr) : null,
                        ["samples"] = row.Samples is { } samples ? new JsonArray(samples.Select(Number).ToArray()) : null,
                        ["note"] = row.Note,
                    });
                }

                tables.Add(new JsonObject
                {
                    ["title"] = table.Title,
                    ["unit"] = table.Unit,
                    ["reference"] = table.Reference,
                    ["ratio"] = table.RatioMeaning,
                    ["rows"] = rows,
                });
            }

            scenarios[scenario.Name] = new JsonObject
            {
                ["description"] = scenario.Description,
                ["tables"] = tables,
                ["notes"] = new JsonArray(scenario.Notes.Select(n => (JsonNode?)JsonValue.Create(n)).ToArray()),
                ["extra"] = scenario.Extra.DeepClone(),
            };
        }

        root["scenarios"] = scenarios;
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        await File.WriteAllTextAsync(path, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>A number for JSON, rounded to 6 significant digits; NaN and infinities become null.</summary>
    public static JsonNode? Number(double value) =>
        double.IsFinite(value) ? JsonValue.Create(double.Parse(value.ToString("G6", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)) : null;

    public static string Format(double value) => value switch
    {
        double.NaN => "-",
        >= 1_000_000 => value.ToString("#,0", CultureInfo.InvariantCulture),
        >= 100 => value.ToString("#,0.0", CultureInfo.InvariantCulture),
        >= 1 => value.ToString("0.000", CultureInfo.InvariantCulture),
        _ => value.ToString("0.0000", CultureInfo.InvariantCulture),
    };

    private void Print(ScenarioResult scenario)
    {
        var text = new StringBuilder();
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"== {scenario.Name}: {scenario.Description}");
        foreach (var table in scenario.Tables)
        {
            var width = Math.Max(10, table.Rows.Max(r => r.Name.Length) + 2);
            text.AppendLine(CultureInfo.InvariantCulture, $"-- {table.Title} ({table.Unit}; ratio = {table.RatioMeaning}; paired = median of the per-round ratios)");
            text.Append("contender".PadRight(width));
            text.AppendLine(CultureInfo.InvariantCulture, $"{"median",12}{"min",12}{"max",12}{"n",6}{"ratio",9}{"paired",9}  note");
            foreach (var row in table.Rows)
            {
                text.Append(row.Name.PadRight(width));
                text.Append(Format(row.Stats.Median).PadLeft(12));
                text.Append(Format(row.Stats.Min).PadLeft(12));
                text.Append(Format(row.Stats.Max).PadLeft(12));
                text.Append(row.Stats.Count.ToString(CultureInfo.InvariantCulture).PadLeft(6));
                text.Append((row.Ratio is { } r ? r.ToString("0.00", CultureInfo.InvariantCulture) + "x" : "").PadLeft(9));
                text.Append((row.PairedRatio is { } p ? p.ToString("0.00", CultureInfo.InvariantCulture) + "x" : "").PadLeft(9));
                text.Append(row.Name == table.Reference ? "  (reference) " : "  ");
                text.AppendLine(row.Note);
            }
        }

        foreach (var note in scenario.Notes)
        {
            text.AppendLine(note);
        }

        output.Write(text.ToString());
        output.Flush();
    }
}
