/** A small typed client for the server's HTTP API, as an application would use it. */
export interface ApiResponse<T = Record<string, any>> {
  status: number
  headers: Headers
  body: T
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly key?: string,
  ) {}

  withKey(key: string): ApiClient {
    return new ApiClient(this.baseUrl, key)
  }

  async request<T = Record<string, any>>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = {}
    if (this.key) headers.authorization = `Bearer ${this.key}`
    if (body !== undefined) headers['content-type'] = 'application/json'
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    return { status: response.status, headers: response.headers, body: (await response.json()) as T }
  }

  get = <T = Record<string, any>>(path: string) => this.request<T>('GET', path)
  post = <T = Record<string, any>>(path: string, body?: unknown) => this.request<T>('POST', path, body)
  put = <T = Record<string, any>>(path: string, body?: unknown) => this.request<T>('PUT', path, body)
  delete = <T = Record<string, any>>(path: string) => this.request<T>('DELETE', path)

  async state(deviceId: string): Promise<string> {
    return (await this.get(`/api/sessions/${deviceId}`)).body.session?.connectionState
  }
}
