//! The agent's connection to libvirt, through libvirt's own client library
//! (the `virt` crate), and the domain events the `virt` crate does not wrap.
//!
//! The one module of nwf with `unsafe` code: the event callbacks that
//! libvirt calls, and their registration with
//! `virConnectDomainEventRegisterAny` and `virConnectRegisterCloseCallback`
//! (libvirt's `libvirt-domain.h`, `libvirt-host.h`). Each callback only
//! reads the domain's UUID and sends a [`Message`] down a channel; all the
//! work happens on the agent's own thread, with safe code. Every
//! registration owns one boxed `Sender`, which libvirt hands back to the
//! free callback when the registration ends, so nothing leaks and nothing
//! is freed twice.
#![allow(unsafe_code)]

use std::ffi::{CStr, c_char, c_int, c_void};
use std::sync::mpsc::Sender;

use virt::connect::Connect;
use virt::domain::Domain;
use virt::sys;

/// What the agent's thread is told.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// Something happened to the domain with this UUID; `what` says what,
    /// for the log.
    Domain {
        uuid: String,
        name: String,
        what: String,
    },
    /// The connection to libvirt closed (libvirtd stopped, keepalive lost).
    Closed(String),
    /// A filter file changed.
    Files(Vec<std::path::PathBuf>),
    /// A packet the kernel copied for IP address learning.
    Learned {
        interface: String,
        lesson: super::learner::Lesson,
    },
    /// Stop (SIGTERM, SIGINT).
    Stop,
}

/// Starts libvirt's default event loop on a thread of its own. Must run
/// before the first connection is opened.
pub fn start_event_loop() -> Result<(), String> {
    // libvirt's default error handler prints every error to stderr, also
    // those the agent handles; the agent reports them itself.
    virt::error::clear_error_callback();
    virt::event::event_register_default_impl().map_err(|error| error.to_string())?;
    std::thread::Builder::new()
        .name("libvirt-events".into())
        .spawn(|| {
            loop {
                if let Err(error) = virt::event::event_run_default_impl() {
                    eprintln!("nwf agent: libvirt's event loop: {error}");
                }
            }
        })
        .map_err(|error| format!("starting libvirt's event loop: {error}"))?;
    Ok(())
}

/// The callback type `virConnectDomainEventRegisterAny` takes, and the
/// types libvirt calls for the events the agent registers for.
type GenericFn = unsafe extern "C" fn(sys::virConnectPtr, sys::virDomainPtr, *mut c_void);
type LifecycleFn =
    unsafe extern "C" fn(sys::virConnectPtr, sys::virDomainPtr, c_int, c_int, *mut c_void);
type DeviceFn =
    unsafe extern "C" fn(sys::virConnectPtr, sys::virDomainPtr, *const c_char, *mut c_void);
type MetadataFn =
    unsafe extern "C" fn(sys::virConnectPtr, sys::virDomainPtr, c_int, *const c_char, *mut c_void);

/// An open connection with the agent's callbacks registered.
pub struct Connection {
    pub connect: Connect,
    callbacks: Vec<c_int>,
}

impl Connection {
    /// Connects to `uri` and registers the callbacks: lifecycle, device
    /// added and removed, metadata changed, connection closed.
    pub fn open(uri: &str, sender: &Sender<Message>) -> Result<Connection, String> {
        let connect = Connect::open(Some(uri)).map_err(|error| error.to_string())?;
        // Pings every 5 s; after 3 unanswered the connection counts as
        // closed, so a hung libvirtd is noticed too.
        connect
            .set_keep_alive(5, 3)
            .map_err(|error| error.to_string())?;
        let mut connection = Connection {
            connect,
            callbacks: Vec::new(),
        };
        let ptr = connection.ptr();
        // SAFETY: `ptr` is the live connection of `connection`; each
        // callback has the signature libvirt documents for its event id,
        // cast to the generic type as libvirt's VIR_DOMAIN_EVENT_CALLBACK
        // macro does; the opaque pointer is a leaked Box<Sender> that only
        // `free_sender` reclaims, once, when libvirt ends the registration.
        unsafe {
            let registrations: [(u32, sys::virConnectDomainEventGenericCallback); 4] = [
                (
                    sys::VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                    Some(std::mem::transmute::<LifecycleFn, GenericFn>(on_lifecycle)),
                ),
                (
                    sys::VIR_DOMAIN_EVENT_ID_DEVICE_ADDED,
                    Some(std::mem::transmute::<DeviceFn, GenericFn>(on_device_added)),
                ),
                (
                    sys::VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED,
                    Some(std::mem::transmute::<DeviceFn, GenericFn>(
                        on_device_removed,
                    )),
                ),
                (
                    sys::VIR_DOMAIN_EVENT_ID_METADATA_CHANGE,
                    Some(std::mem::transmute::<MetadataFn, GenericFn>(on_metadata)),
                ),
            ];
            for (event, callback) in registrations {
                let opaque = Box::into_raw(Box::new(sender.clone())).cast::<c_void>();
                let id = sys::virConnectDomainEventRegisterAny(
                    ptr,
                    std::ptr::null_mut(),
                    c_int::try_from(event).expect("small event id"),
                    callback,
                    opaque,
                    Some(free_sender),
                );
                if id < 0 {
                    // Not registered: libvirt did not take the opaque.
                    drop(Box::from_raw(opaque.cast::<Sender<Message>>()));
                    return Err(format!(
                        "registering for domain event {event}: {}",
                        virt::error::Error::last_error()
                    ));
                }
                connection.callbacks.push(id);
            }
            let opaque = Box::into_raw(Box::new(sender.clone())).cast::<c_void>();
            if sys::virConnectRegisterCloseCallback(ptr, Some(on_close), opaque, Some(free_sender))
                < 0
            {
                drop(Box::from_raw(opaque.cast::<Sender<Message>>()));
                return Err(format!(
                    "registering for the connection's close: {}",
                    virt::error::Error::last_error()
                ));
            }
        }
        Ok(connection)
    }

    fn ptr(&self) -> sys::virConnectPtr {
        // SAFETY: the pointer is only passed back to libvirt while
        // `self.connect` keeps the connection open.
        unsafe { self.connect.as_ptr() }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        let ptr = self.ptr();
        // SAFETY: the ids were returned by libvirt for this connection;
        // deregistering makes libvirt call `free_sender` for each opaque.
        unsafe {
            for id in self.callbacks.drain(..) {
                sys::virConnectDomainEventDeregisterAny(ptr, id);
            }
            sys::virConnectUnregisterCloseCallback(ptr, Some(on_close));
        }
    }
}

/// The sender behind an opaque pointer.
///
/// # Safety
/// `opaque` must be a pointer made by `Box::into_raw(Box<Sender>)` that has
/// not been freed.
unsafe fn sender<'a>(opaque: *mut c_void) -> &'a Sender<Message> {
    // SAFETY: as the caller guarantees.
    unsafe { &*opaque.cast::<Sender<Message>>() }
}

/// The domain's UUID, as libvirt prints it.
///
/// # Safety
/// `dom` must be the live domain pointer libvirt passed to a callback.
unsafe fn uuid_of(dom: sys::virDomainPtr) -> String {
    let mut buffer = [0 as c_char; sys::VIR_UUID_STRING_BUFLEN as usize];
    // SAFETY: the buffer has the size libvirt requires.
    if unsafe { sys::virDomainGetUUIDString(dom, buffer.as_mut_ptr()) } < 0 {
        return String::new();
    }
    // SAFETY: libvirt wrote a NUL-terminated string into the buffer.
    unsafe { CStr::from_ptr(buffer.as_ptr()) }
        .to_string_lossy()
        .into_owned()
}

/// The domain's name.
///
/// # Safety
/// `dom` must be the live domain pointer libvirt passed to a callback.
unsafe fn name_of(dom: sys::virDomainPtr) -> String {
    // SAFETY: libvirt returns a string the domain owns, or NULL.
    unsafe { text(sys::virDomainGetName(dom)) }
}

/// libvirt's `virDomainEventType`, for the log.
fn lifecycle_name(event: c_int) -> &'static str {
    const NAMES: [&str; 9] = [
        "defined",
        "undefined",
        "started",
        "suspended",
        "resumed",
        "stopped",
        "shutdown",
        "pmsuspended",
        "crashed",
    ];
    usize::try_from(event)
        .ok()
        .and_then(|index| NAMES.get(index))
        .copied()
        .unwrap_or("changed")
}

unsafe extern "C" fn on_lifecycle(
    _conn: sys::virConnectPtr,
    dom: sys::virDomainPtr,
    event: c_int,
    _detail: c_int,
    opaque: *mut c_void,
) {
    // SAFETY: libvirt passes the domain and the opaque it was registered with.
    let (uuid, name, sender) = unsafe { (uuid_of(dom), name_of(dom), sender(opaque)) };
    let _ = sender.send(Message::Domain {
        uuid,
        name,
        what: lifecycle_name(event).to_string(),
    });
}

unsafe extern "C" fn on_device_added(
    _conn: sys::virConnectPtr,
    dom: sys::virDomainPtr,
    alias: *const c_char,
    opaque: *mut c_void,
) {
    // SAFETY: libvirt passes the domain, a NUL-terminated alias and the
    // opaque it was registered with.
    unsafe { device_event(dom, alias, opaque, "added") }
}

unsafe extern "C" fn on_device_removed(
    _conn: sys::virConnectPtr,
    dom: sys::virDomainPtr,
    alias: *const c_char,
    opaque: *mut c_void,
) {
    // SAFETY: as for `on_device_added`.
    unsafe { device_event(dom, alias, opaque, "removed") }
}

/// Sends "device ALIAS added/removed" for the domain.
///
/// # Safety
/// As for the device callbacks: a live domain, a NUL-terminated alias (or
/// NULL), the registration's opaque.
unsafe fn device_event(
    dom: sys::virDomainPtr,
    alias: *const c_char,
    opaque: *mut c_void,
    what: &str,
) {
    // SAFETY: as the caller guarantees.
    let (uuid, name, sender, alias) =
        unsafe { (uuid_of(dom), name_of(dom), sender(opaque), text(alias)) };
    let _ = sender.send(Message::Domain {
        uuid,
        name,
        what: format!("device {alias} {what}"),
    });
}

unsafe extern "C" fn on_metadata(
    _conn: sys::virConnectPtr,
    dom: sys::virDomainPtr,
    _kind: c_int,
    uri: *const c_char,
    opaque: *mut c_void,
) {
    // SAFETY: as for `on_device_added`; `uri` may be NULL.
    let (uuid, name, sender, uri) =
        unsafe { (uuid_of(dom), name_of(dom), sender(opaque), text(uri)) };
    let _ = sender.send(Message::Domain {
        uuid,
        name,
        what: format!("metadata {uri} changed"),
    });
}

unsafe extern "C" fn on_close(_conn: sys::virConnectPtr, reason: c_int, opaque: *mut c_void) {
    let reason = match u32::try_from(reason) {
        Ok(sys::VIR_CONNECT_CLOSE_REASON_EOF) => "libvirtd closed the connection",
        Ok(sys::VIR_CONNECT_CLOSE_REASON_KEEPALIVE) => "libvirtd stopped answering",
        Ok(sys::VIR_CONNECT_CLOSE_REASON_CLIENT) => "closed",
        _ => "connection error",
    };
    // SAFETY: the opaque the close callback was registered with.
    let _ = unsafe { sender(opaque) }.send(Message::Closed(reason.to_string()));
}

unsafe extern "C" fn free_sender(opaque: *mut c_void) {
    // SAFETY: libvirt calls this once per registration, with its opaque.
    drop(unsafe { Box::from_raw(opaque.cast::<Sender<Message>>()) });
}

/// A C string, or "" for NULL.
///
/// # Safety
/// `text` must be NULL or a NUL-terminated string.
unsafe fn text(text: *const c_char) -> String {
    if text.is_null() {
        return String::new();
    }
    // SAFETY: as the caller guarantees.
    unsafe { CStr::from_ptr(text) }
        .to_string_lossy()
        .into_owned()
}

/// A running domain: name, UUID and live XML.
pub struct Running {
    pub uuid: String,
    pub xml: String,
}

/// Every running domain's live XML.
pub fn running_domains(connect: &Connect) -> Result<Vec<Running>, String> {
    let domains = connect
        .list_all_domains(sys::VIR_CONNECT_LIST_DOMAINS_ACTIVE)
        .map_err(|error| error.to_string())?;
    let mut running = Vec::new();
    for domain in domains {
        // A domain that stops between the listing and here is not running.
        if let Some(found) = live(&domain) {
            running.push(found);
        }
    }
    Ok(running)
}

/// The domain with `uuid` if it runs: `Ok(None)` when it does not (or no
/// longer exists).
pub fn running_domain(connect: &Connect, uuid: &str) -> Result<Option<Running>, String> {
    match connect.lookup_domain_by_uuid_string(uuid) {
        Ok(domain) => Ok(live(&domain)),
        Err(error)
            if matches!(
                error.code(),
                virt::enumutil::Enum::Known(virt::error::ErrorNumber::NoDomain)
            ) =>
        {
            Ok(None)
        }
        Err(error) => Err(error.to_string()),
    }
}

fn live(domain: &Domain) -> Option<Running> {
    if !domain.is_active().unwrap_or(false) {
        return None;
    }
    Some(Running {
        uuid: domain.uuid_string().ok()?,
        xml: domain.xml_desc(0).ok()?,
    })
}
