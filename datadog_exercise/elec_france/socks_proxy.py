"""A SOCKS proxy's handshake held to the fetch's Budget (transport.py).

urllib3 goes through a SOCKS proxy (`socks5://`, `socks5h://`, `socks4://`, `socks4a://`) with PySocks, which
the Agent ships. PySocks reads the proxy's answers through `makefile('rb', 0)`, as little as one byte a read
when the proxy drips them, and each read waits the socket's whole timeout: a SOCKS5 answer is up to 262
bytes, so up to 262 timeouts. `BudgetedSocks` connects as urllib3's SOCKSConnection does, with what PySocks'
create_connection does, on a socket whose handshake reads and sends wait at most until the deadline and
whose bytes count against the cap.
"""

import socks
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from .transport import MeteredReader, addresses, attempts, held


class _BudgetedSocksSocket(socks.socksocket):
    def makefile(self, mode='r', buffering=None, **kwargs):
        if mode == 'rb' and buffering == 0:  # PySocks' reader of the proxy's answers
            return MeteredReader(self)
        return super().makefile(mode, buffering, **kwargs)

    def send(self, data, flags=0):  # what PySocks' writer calls
        return held(self, super().send, data, flags)


class BudgetedSocks:
    """Mixed in front of urllib3's SOCKSConnection (urllib3.contrib.socks), replacing its `_new_conn`: its
    proxy's addresses tried as transport's `attempts` says."""

    _resolves_its_proxy = True

    def _new_conn(self):
        try:
            return self._through_proxy()
        except TimeoutError as error:
            raise ConnectTimeoutError(self, f'Connection to {self.host} timed out') from error
        except socks.ProxyError as error:  # as urllib3 says it: the socket's error, when PySocks wraps one
            if isinstance(error.socket_err, TimeoutError):
                raise ConnectTimeoutError(self, f'Connection to {self.host} timed out') from error
            reason = error.socket_err or error
            raise NewConnectionError(self, f'Failed to establish a new connection: {reason}') from error
        except OSError as error:
            raise NewConnectionError(self, f'Failed to establish a new connection: {error}') from error

    def _through_proxy(self):
        options = self._socks_options
        proxy_host = options['proxy_host'].strip('[]')
        failure = OSError('the proxy name resolves to no address')
        found = addresses(proxy_host, options['proxy_port'])
        for (family, kind, proto, _, address), timeout in attempts(found, self.timeout):
            sock = _BudgetedSocksSocket(family, kind, proto)
            try:
                for option in self.socket_options or ():
                    sock.setsockopt(*option)
                sock.settimeout(timeout)
                sock.set_proxy(  # the address itself: PySocks would resolve a name again, and take its first address
                    options['socks_version'],
                    address[0],
                    options['proxy_port'],
                    options['rdns'],
                    options['username'],
                    options['password'],
                )
                if self.source_address:
                    sock.bind(self.source_address)
                sock.connect((self.host.strip('[]'), self.port))
                return sock
            except OSError as error:  # socks.ProxyError is one
                failure = error
                sock.close()
            except BaseException:
                sock.close()
                raise
        raise failure
