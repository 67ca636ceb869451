// electron-updater's HTTP client made of Node's http instead of Electron's net, for running the
// real NsisUpdater in tests. The same shape as electron-updater's ElectronHttpExecutor: the
// request is builder-util-runtime's, and so is the download with its SHA-512 check (doDownload).
import http from 'node:http';
import https from 'node:https';
import { type CancellationToken, configureRequestOptions, configureRequestUrl, type DownloadOptions, HttpExecutor } from 'builder-util-runtime';

export class NodeUpdaterHttp extends HttpExecutor<http.ClientRequest> {
  override createRequest(options: http.RequestOptions & { protocol?: string }, callback: (response: http.IncomingMessage) => void): http.ClientRequest {
    return (options.protocol === 'https:' ? https.request : http.request)(options, callback);
  }

  download(url: URL, destination: string, options: DownloadOptions & { cancellationToken: CancellationToken }): Promise<string> {
    return options.cancellationToken.createPromise<string>((resolve, reject, onCancel) => {
      const requestOptions: http.RequestOptions = { headers: options.headers || undefined };
      configureRequestUrl(url, requestOptions);
      configureRequestOptions(requestOptions);
      this.doDownload(
        requestOptions,
        {
          destination,
          options,
          onCancel,
          callback: (error: Error | null) => (error == null ? resolve(destination) : reject(error)),
          responseHandler: null,
        },
        0,
      );
    });
  }
}
