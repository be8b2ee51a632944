namespace Pymar.Hosting.Events;

/// <summary>Receives the events of a subscription (<see cref="IPymarEventBus.SubscribeAsync"/>). Calls must return quickly.</summary>
public interface IPymarEventHandler
{
    /// <summary>An event arrived.</summary>
    /// <param name="pymarEvent">The event.</param>
    void OnEvent(PymarEvent pymarEvent);

    /// <summary>Something arrived that is not a Pymar event (garbage on the exchange); it was ignored.</summary>
    /// <param name="reason">Why it was not read, short.</param>
    void OnMalformed(string reason);
}
