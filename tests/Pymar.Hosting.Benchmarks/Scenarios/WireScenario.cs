using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Pymar.Hosting.Benchmarks.Infrastructure;
using Pymar.Hosting.Benchmarks.Model;

namespace Pymar.Hosting.Benchmarks.Scenarios;

/// <summary>
/// wire: what a job puts on the wire. Message bodies are counted by the transport decorator on both sides (slice
/// bodies on the producer, reply bodies on the worker); the AMQP framing around them is computed from the
/// properties the RabbitMQ transport sets; and the bytes on both processes' connections come from the broker's own
/// counters (rabbitmqctl list_connections recv_oct send_oct), acks, confirms and broadcasts included.
/// </summary>
internal static class WireScenario
{
    public static async Task RunAsync(BenchContext context)
    {
        var options = context.Options;
        var worker = await context.PymarWorkerAsync();
        var host = await context.PymarHostAsync();
        var client = host.Services.GetRequiredService<ProducerClient>();
        var counters = host.Services.GetRequiredService<WireCounters>();
        var timeout = TimeSpan.FromSeconds(30);

        // Warm the connection and the inbox so that the figures hold one job only.
        await context.PymarTrivialJobAsync(4);

        var items = new long[options.InMemoryItems];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = i;
        }

        var jobs = new (string Name, string Kind, int Slices, long Items, Func<Task> Run)[]
        {
            ("data source, 4 slices (integral, fast path)", "data source", 4, new IntegralSource(host.Services.GetRequiredService<IntegralSpec>()).GetLength(),
                () => client.MapAsync(host.Services.GetRequiredService<FastIntegralProducer>(), DataSourceFactory<double>.For<IntegralSource>(), new MapOptions { SliceCount = 4 }, context.Cancellation)),
            (string.Create(CultureInfo.InvariantCulture, $"data source, {options.WireManySlices:#,0} slices (trivial)"), "data source", options.WireManySlices, options.WireManySlices,
                () => context.PymarTrivialJobAsync(options.WireManySlices)),
            (string.Create(CultureInfo.InvariantCulture, $"in memory, {items.Length:#,0} integers, 4 slices"), "in memory", 4, items.Length,
                () => client.MapAsync(host.Services.GetRequiredService<SquaresProducer>(), DataSourceFactory<long>.FromItems(items), new MapOptions { SliceCount = 4 }, context.Cancellation)),
        };

        var result = new ScenarioResult("wire", "bytes published per slice and per job; bodies counted by an IPymarTransport decorator around RabbitMqTransport, AMQP framing computed, connection bytes from rabbitmqctl for the producer (harness) and the worker process");
        var text = new StringBuilder();
        text.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"{"job",-48}{"slice body B",14}{"max",12}{"+AMQP B",9}{"reply B",9}{"bodies/job B",15}{"B/item",8}{"to broker B",15}{"from broker B",15}"));
        var json = new JsonArray();
        foreach (var job in jobs)
        {
            counters.Reset();
            await worker.CommandAsync("reset", timeout);
            var before = await BrokerCtl.PymarConnectionBytesAsync();
            await job.Run();
            await Task.Delay(200);  // the fire-and-forget job-ended broadcast
            var after = await BrokerCtl.PymarConnectionBytesAsync();
            var produced = counters.Read();
            var replied = WireCount.Parse((await worker.CommandAsync("counters", timeout))[3..]);
            (long Received, long Sent) Delta(int pid) => before is not null && after is not null && before.TryGetValue(pid, out var b) && after.TryGetValue(pid, out var a)
                ? (a.Received - b.Received, a.Sent - b.Sent)
                : (-1, -1);
            var producerIo = Delta(Environment.ProcessId);
            var workerIo = Delta(worker.Id);

            var perSlice = (double)produced.SliceBytes / produced.Slices;
            var overhead = (double)produced.SlicePropertyBytes / produced.Slices;
            var perReply = replied.Replies == 0 ? double.NaN : (double)replied.ReplyBytes / replied.Replies;
            var bodies = produced.SliceBytes + replied.ReplyBytes;
            var socketOut = producerIo.Received + workerIo.Received;
            var socketIn = producerIo.Sent + workerIo.Sent;
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"{job.Name,-48}{perSlice,14:#,0}{produced.MaxSliceBytes,12:#,0}{overhead,9:#,0}{perReply,9:#,0}{bodies,15:#,0}{(double)produced.SliceBytes / job.Items,8:0.00}{socketOut,15:#,0}{socketIn,15:#,0}"));
            json.Add(new JsonObject
            {
                ["job"] = job.Name,
                ["kind"] = job.Kind,
                ["slices"] = produced.Slices,
                ["items"] = job.Items,
                ["sliceBodyBytesMean"] = Report.Number(perSlice),
                ["sliceBodyBytesMax"] = produced.MaxSliceBytes,
                ["sliceAmqpOverheadBytesMean"] = Report.Number(overhead),
                ["replies"] = replied.Replies,
                ["replyBodyBytesMean"] = Report.Number(perReply),
                ["bodyBytesPerJob"] = bodies,
                ["sliceBodyBytesPerItem"] = Report.Number((double)produced.SliceBytes / job.Items),
                ["producerBytesToBroker"] = producerIo.Received,
                ["producerBytesFromBroker"] = producerIo.Sent,
                ["workerBytesToBroker"] = workerIo.Received,
                ["workerBytesFromBroker"] = workerIo.Sent,
            });

            if (job.Kind == "data source" && job.Slices == 4)
            {
                result.Notes.Add(string.Create(CultureInfo.InvariantCulture,
                    $"target: a data-source slice message <= 512 bytes: {produced.MaxSliceBytes} body bytes (+{overhead:0} AMQP framing and properties), {(produced.MaxSliceBytes <= 512 ? "met" : "MISSED")}"));
            }
        }

        result.Notes.Insert(0, text.ToString().TrimEnd());
        result.Notes.Add("columns: slice body = mean JSON body per slice message; +AMQP = basic.publish frame, content header with properties, body frame envelopes; reply = mean reply body; bodies/job = slice + reply bodies; to/from broker = bytes the broker received from / sent to the producer's and the worker's connections during the job (rabbitmqctl recv_oct/send_oct: every AMQP frame, acks, confirms, the job-ended broadcast; -1 where rabbitmqctl is not reachable)");
        result.Extra["jobs"] = json;
        context.Report.Add(result);
    }
}
